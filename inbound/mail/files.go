package mail

import (
	"fmt"

	"helpdesk/core"
)

// File is one attachment of a stored mail with its bytes.
type File struct {
	core.Attachment
	// Data is the decoded file; nil when it is over the limit Files was
	// given, or could not be decoded.
	Data []byte
}

// Files reads the attachments of a stored raw mail again, in the order
// Parse listed them in Email.Attachments, with the bytes of each one of
// at most limit bytes. The raw mail is the record of what a customer sent,
// so no second copy of a file is kept; a file larger than limit is never
// decoded (its base64 is elided before MIME decoding, as Parse does), so
// the memory this costs is the raw mail and the files it returns.
func Files(raw []byte, limit int) ([]File, error) {
	msg, _, ok := messageStart(raw)
	if !ok {
		return nil, fmt.Errorf("read attachments: %s", msgNoHeader)
	}
	// A base64 run of a file of limit bytes is 4/3 as long plus its line
	// ends; runs beyond half again as long are surely larger files.
	root, err := readParts(elideRuns(msg, max(elideThreshold, limit+limit/2)), ParseOptions{}.withDefaults())
	if err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	var out []File
	for _, p := range fileParts(fileGroups(root)...) {
		a, data := partFile(p, limit)
		out = append(out, File{Attachment: a, Data: data})
	}
	for _, a := range uuencodedFiles(root) {
		// Listed by name and size only: the text is the customer's, and
		// a file cut from it is still there for anyone who reads it.
		out = append(out, File{Attachment: a})
	}
	return out, nil
}
