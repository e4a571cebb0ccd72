package pdfobj

import (
	"bytes"
	"compress/zlib"
	"image"
	"image/color"
	"io"
	"regexp"
	"strconv"
	"testing"
)

// objects collects added objects, numbered from 10.
type objects [][]byte

func (o *objects) AddObject(b []byte) (uint32, error) {
	*o = append(*o, b)
	return uint32(9 + len(*o)), nil
}

// streamData inflates the data of a FlateStream object after checking
// its /Length.
func streamData(t *testing.T, obj []byte) []byte {
	t.Helper()
	m := regexp.MustCompile(`(?s)^<< .* /Filter /FlateDecode /Length (\d+) >>\nstream\n(.*)\nendstream$`).FindSubmatch(obj)
	if m == nil {
		t.Fatalf("not a stream object: %.80q", obj)
	}
	if n, _ := strconv.Atoi(string(m[1])); n != len(m[2]) {
		t.Fatalf("/Length %d, data %d bytes", n, len(m[2]))
	}
	r, err := zlib.NewReader(bytes.NewReader(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFlateStream(t *testing.T) {
	data := bytes.Repeat([]byte("Cơ quan "), 100)
	if got := streamData(t, FlateStream("/Type /XObject", data)); !bytes.Equal(got, data) {
		t.Fatal("round trip differs")
	}
}

func TestAddImage(t *testing.T) {
	// Opaque: one RGB image, no soft mask.
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	img.SetNRGBA(1, 0, color.NRGBA{R: 200, G: 10, B: 20, A: 255})
	var objs objects
	id, err := AddImage(&objs, img)
	if err != nil || id != 10 || len(objs) != 1 || bytes.Contains(objs[0], []byte("/SMask")) {
		t.Fatalf("opaque: id %d, %d objects, %v", id, len(objs), err)
	}
	if rgb := streamData(t, objs[0]); len(rgb) != 18 || !bytes.Equal(rgb[3:6], []byte{200, 10, 20}) {
		t.Fatalf("RGB data %v", rgb)
	}
	// Half transparent red: the colour is un-premultiplied, the alpha goes
	// to a soft mask added first.
	img.SetNRGBA(2, 1, color.NRGBA{R: 200, G: 0, B: 0, A: 128})
	objs = nil
	id, err = AddImage(&objs, img)
	if err != nil || id != 11 || len(objs) != 2 || !bytes.Contains(objs[1], []byte("/SMask 10 0 R")) {
		t.Fatalf("transparent: id %d, %d objects, %v", id, len(objs), err)
	}
	alpha, rgb := streamData(t, objs[0]), streamData(t, objs[1])
	if alpha[5] != 128 || alpha[0] != 255 || rgb[15] < 198 || rgb[15] > 202 || rgb[16] != 0 {
		t.Fatalf("alpha %v, rgb %v", alpha, rgb)
	}
}
