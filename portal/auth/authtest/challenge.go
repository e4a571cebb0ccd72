package authtest

import (
	"fmt"
	"regexp"
	"strings"
)

var questionShape = regexp.MustCompile(`^(\p{Lu}[\p{L} ]*) cộng ([\p{L} ]+) bằng mấy\?$`)

// AnswerChallenge reads a public-form challenge's question ("Bảy cộng
// hai bằng mấy?") as a person does and gives the sum; an error when the
// question is not of that shape or its numbers are not 1–9 in words.
func AnswerChallenge(question string) (int, error) {
	m := questionShape.FindStringSubmatch(question)
	if m == nil {
		return 0, fmt.Errorf("question %q is not 'X cộng Y bằng mấy?'", question)
	}
	words := map[string]int{"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
	a, b := words[strings.ToLower(m[1])], words[m[2]]
	if a == 0 || b == 0 {
		return 0, fmt.Errorf("question %q has numbers outside 1..9", question)
	}
	return a + b, nil
}
