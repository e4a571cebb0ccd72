package web

import (
	"bytes"
	"testing"
)

// TestRenditionCacheBounded: the cache keeps renditions within its byte
// bound, dropping the least recently used first, and never keeps one over
// a quarter of the bound.
func TestRenditionCacheBounded(t *testing.T) {
	var c renditionCache
	pdf := func(b byte) []byte { return bytes.Repeat([]byte{b}, 10) }
	c.put("a", pdf('a'), 40)
	c.put("b", pdf('b'), 40)
	c.put("c", pdf('c'), 40)
	c.put("d", pdf('d'), 40)
	if _, ok := c.get("a"); !ok { // a is now the most recently used
		t.Fatal("a dropped within the bound")
	}
	c.put("e", pdf('e'), 40)
	if _, ok := c.get("b"); ok {
		t.Error("b, the least recently used, kept over the bound")
	}
	for _, k := range []string{"a", "c", "d", "e"} {
		if got, ok := c.get(k); !ok || got[0] != k[0] {
			t.Errorf("%s: %q %v", k, got, ok)
		}
	}
	if c.size != 40 || c.order.Len() != 4 || len(c.byHash) != 4 {
		t.Errorf("size %d, %d entries, %d keys; want 40, 4, 4", c.size, c.order.Len(), len(c.byHash))
	}
	c.put("big", bytes.Repeat([]byte{'x'}, 11), 40)
	if _, ok := c.get("big"); ok || c.size != 40 {
		t.Error("a rendition over a quarter of the bound was kept")
	}
}
