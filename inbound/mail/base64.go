package mail

import (
	"fmt"

	"github.com/jhillyerd/enmime/v2"
)

// decodeBase64 decodes a base64 body as enmime does (its Base64Cleaner,
// then the standard decoder without padding) into one buffer of the
// decoded size, noting its problems on p. enmime keeps an error value
// for every character that does not belong, so a body of such
// characters cost some 170 bytes per byte; here the first maxStrays
// are noted and the rest counted.
func decodeBase64(p *enmime.Part, body []byte) []byte {
	out := make([]byte, 0, len(body)/4*3+3)
	var quad [4]byte
	n, valid, stray := 0, 0, 0
	var strays []string
	corrupt := -1
	for _, c := range body {
		v := base64Values[c&0x7f]
		switch {
		case v == skip:
			continue
		case v == bad:
			if stray++; len(strays) < maxStrays {
				strays = append(strays, fmt.Sprintf("unexpected %q in base64 stream", c))
			}
			continue
		case c >= 0x80 && corrupt < 0:
			// enmime's cleaner lets it through by its low bits; the
			// decoder then stops there.
			corrupt = valid
		}
		valid++
		if corrupt >= 0 {
			continue
		}
		quad[n] = byte(v)
		if n++; n == 4 {
			out = append(out, quad[0]<<2|quad[1]>>4, quad[1]<<4|quad[2]>>2, quad[2]<<6|quad[3])
			n = 0
		}
	}
	switch {
	case corrupt >= 0:
		addProblem(p, enmime.ErrorMalformedChildPart, fmt.Sprintf("partial content: illegal base64 data at input byte %d", corrupt), false)
	case n == 1:
		addProblem(p, enmime.ErrorMalformedChildPart, fmt.Sprintf("partial content: illegal base64 data at input byte %d", valid-1), false)
	case n == 2:
		out = append(out, quad[0]<<2|quad[1]>>4)
	case n == 3:
		out = append(out, quad[0]<<2|quad[1]>>4, quad[1]<<4|quad[2]>>2)
	}
	for _, s := range strays {
		addProblem(p, enmime.ErrorMalformedBase64, s, false)
	}
	if stray > len(strays) {
		addProblem(p, enmime.ErrorMalformedBase64, fmt.Sprintf("%d more unexpected characters in base64 stream", stray-len(strays)), false)
	}
	return out
}

// maxStrays is how many stray characters of a base64 body are noted one
// by one.
const maxStrays = 10

// The values of base64Values besides the 64 digits: white space and "="
// are skipped, anything else is a stray character.
const (
	skip = -2
	bad  = -1
)

// base64Values is enmime's table of base64 characters, by the low seven
// bits of a byte.
var base64Values = [128]int8{
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -2, -2, -1, -1, -2, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -2, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
}
