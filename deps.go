//go:build deps

package kho

import (
	_ "github.com/gabriel-vasile/mimetype"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/pb33f/libopenapi-validator"
	_ "go.mongodb.org/mongo-driver/v2/mongo"
	_ "golang.org/x/text/unicode/norm"
	_ "modernc.org/sqlite"
)
