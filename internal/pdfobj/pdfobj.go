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
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	_, _ = w.Write(data) // writing to memory does not fail
	_ = w.Close()
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< %s /Filter /FlateDecode /Length %d >>\nstream\n", dict, z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream")
	return b.Bytes()
}

// AddImage adds img as an RGB image XObject, with a soft mask when it has
// transparency, and returns the image's object number.
func AddImage(add ObjectAdder, img image.Image) (uint32, error) {
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
	smask := ""
	if !opaque {
		id, err := add.AddObject(FlateStream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8", b.Dx(), b.Dy()), alpha))
		if err != nil {
			return 0, err
		}
		smask = fmt.Sprintf(" /SMask %d 0 R", id)
	}
	return add.AddObject(FlateStream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Interpolate true%s", b.Dx(), b.Dy(), smask), rgb))
}
