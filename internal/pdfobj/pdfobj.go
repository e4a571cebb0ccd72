// Package pdfobj writes the few kinds of PDF objects Kho adds to
// documents itself (visible signatures, rendered forms): compressed
// streams and images, through whatever numbers and stores the objects.
package pdfobj

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
)

// ObjectAdder adds an indirect object (its body, without "obj"/"endobj")
// to a PDF being written and returns its object number. pdfsign's
// sign.SignContext is one.
type ObjectAdder interface {
	AddObject(body []byte) (uint32, error)
}

// FlateStream is a stream object whose dictionary holds dict (entries
// without the << >>), /Filter /FlateDecode and /Length, with data
// compressed.
func FlateStream(dict string, data []byte) []byte {
	return stream(dict, deflate(data))
}

func stream(dict string, compressed []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< %s /Filter /FlateDecode /Length %d >>\nstream\n", dict, len(compressed))
	b.Write(compressed)
	b.WriteString("\nendstream")
	return b.Bytes()
}

func deflate(data []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	_, _ = w.Write(data) // writing to memory does not fail
	_ = w.Close()
	return z.Bytes()
}

// Image is an image ready to be added to PDFs: its RGB samples and, when
// it has transparency, its alpha channel, compressed once. It is immutable
// and can be added to many documents.
type Image struct {
	w, h  int
	rgb   []byte // compressed samples
	smask []byte // the soft mask's stream object; nil when opaque
}

// NewImage converts img to an RGB image XObject with a soft mask for its
// transparency (colours un-premultiplied).
func NewImage(img image.Image) *Image {
	b := img.Bounds()
	rgb := make([]byte, 0, 3*b.Dx()*b.Dy())
	alpha := make([]byte, 0, b.Dx()*b.Dy())
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a == 0 {
				rgb = append(rgb, 255, 255, 255)
			} else { // un-premultiply
				rgb = append(rgb, byte(r*255/a), byte(g*255/a), byte(bl*255/a))
			}
			alpha = append(alpha, byte(a>>8))
			if a != 0xffff {
				opaque = false
			}
		}
	}
	im := &Image{w: b.Dx(), h: b.Dy(), rgb: deflate(rgb)}
	if !opaque {
		im.smask = FlateStream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8", im.w, im.h), alpha)
	}
	return im
}

// Add adds the image (after its soft mask) and returns the image's object
// number.
func (im *Image) Add(add ObjectAdder) (uint32, error) {
	smask := ""
	if im.smask != nil {
		id, err := add.AddObject(im.smask)
		if err != nil {
			return 0, err
		}
		smask = fmt.Sprintf(" /SMask %d 0 R", id)
	}
	return add.AddObject(stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Interpolate true%s", im.w, im.h, smask), im.rgb))
}

// AddImage adds img as NewImage(img).Add(add) does.
func AddImage(add ObjectAdder, img image.Image) (uint32, error) {
	return NewImage(img).Add(add)
}

// Size is the image's width and height in pixels.
func (im *Image) Size() (int, int) { return im.w, im.h }

// Frame returns the beginning and the end of a valid PDF of exactly n
// bytes whose middle, n-len(head)-len(tail) bytes of any content, is the
// data of one stream (an unreferenced object) of a one-page document. Tests
// and benchmarks make PDFs of any size with it, streaming their middle. n
// must be at least 512.
func Frame(n int64) (head, tail []byte) {
	const h = "%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length %010d >>\nstream\n"
	head = fmt.Appendf(nil, h, 0)
	objs := []string{"<< /Type /Catalog /Pages 3 0 R >>", "<< /Type /Pages /Kids [4 0 R] /Count 1 >>", "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] >>"}
	// The tail's length does not depend on the data's: offsets are
	// written with ten digits.
	build := func(data int64) []byte {
		var b bytes.Buffer
		at := int64(len(head)) + data
		b.WriteString("\nendstream\nendobj\n")
		offs := []int64{int64(len("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"))}
		for i, o := range objs {
			offs = append(offs, at+int64(b.Len()))
			fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+2, o)
		}
		xref := at + int64(b.Len())
		fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
		for _, o := range offs {
			fmt.Fprintf(&b, "%010d 00000 n \n", o)
		}
		fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 2 0 R >>\nstartxref\n%010d\n%%%%EOF\n", len(offs)+1, xref)
		return b.Bytes()
	}
	data := n - int64(len(head)) - int64(len(build(0)))
	return fmt.Appendf(nil, h, data), build(data)
}

// Assemble writes a PDF: head (the header line and any comment lines),
// then objs as objects 1, 2, … (object 1 is the catalog), a classic xref
// table with exact offsets and the trailer. Tests make small valid PDFs
// with it.
func Assemble(head string, objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString(head)
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
