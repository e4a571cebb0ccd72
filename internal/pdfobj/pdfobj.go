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
