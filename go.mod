module github.com/kho-vn/kho

go 1.27.0
