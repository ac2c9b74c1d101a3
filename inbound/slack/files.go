package slack

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/slack-go/slack"

	"helpdesk/core"
)

// FileGetter downloads a file an agent shared (url_private_download),
// with the bot token; *slack.Client is one.
type FileGetter interface {
	GetFileContext(ctx context.Context, downloadURL string, w io.Writer) error
}

// sharedFile decides how an answer passes on a file an agent shared in
// the thread (docs/rules.md §7): attached up to AttachMaxBytes, else a
// link when LinkFiles is set, else not sent; an executable, or content
// that is not what the file says it is, is never sent. A note's files
// stay in Slack and are only named.
func (h *Handler) sharedFile(ctx context.Context, f slack.File, note bool) core.SlackFile {
	sf := core.SlackFile{Name: f.Name, Size: f.Size, ContentType: f.Mimetype}
	if sf.Name == "" {
		sf.Name = f.Title
	}
	if f.PublicURLShared {
		sf.URL = f.PermalinkPublic
	}
	if _, ok := h.opts.API.(FileGetter); note || !ok || (f.URLPrivateDownload == "" && f.URLPrivate == "") {
		// Without a Web API or a URL to fetch it with, a file is named,
		// and linked when it is public.
		return sf
	}
	attachMax := h.opts.AttachMaxBytes
	if attachMax <= 0 {
		attachMax = core.DefaultAttachMaxBytes
	}
	limit, send := attachMax, core.FileAttach
	switch {
	case f.Size <= attachMax:
	case !h.opts.LinkFiles:
		sf.NotSent = fmt.Sprintf("it is %s, over the limit of %s for mail attachments, and no public URL is configured for links",
			sizeText(f.Size), sizeText(attachMax))
		return sf
	case f.Size > core.MaxLinkedFileBytes:
		sf.NotSent = fmt.Sprintf("it is %s, over the limit of %s for links", sizeText(f.Size), sizeText(core.MaxLinkedFileBytes))
		return sf
	default:
		limit, send = core.MaxLinkedFileBytes, core.FileLink
	}
	// A refusal by name needs no download.
	if why := core.CheckFileName(sf.Name); why != "" {
		sf.NotSent = why
		return sf
	}
	data, err := h.download(ctx, f, limit)
	if err != nil {
		h.log.WarnContext(ctx, "an agent's file could not be fetched from Slack", "file", f.ID, keyError, err)
		sf.NotSent = "it could not be fetched from Slack (" + err.Error() + ")"
		return sf
	}
	if why := core.CheckFile(sf.Name, f.Mimetype, data[:min(512, len(data))]); why != "" {
		sf.NotSent = why
		return sf
	}
	if sf.ContentType == "" {
		sf.ContentType = "application/octet-stream"
	}
	sf.Send, sf.Data, sf.Size = send, data, len(data)
	return sf
}

// errTooLarge is a download that went past its limit.
var errTooLarge = errors.New("larger than it said")

// download fetches a shared file with the bot token, at most limit bytes.
func (h *Handler) download(ctx context.Context, f slack.File, limit int) ([]byte, error) {
	g, ok := h.opts.API.(FileGetter)
	if !ok {
		return nil, errors.New("no Slack API to fetch it with")
	}
	url := f.URLPrivateDownload
	if url == "" {
		url = f.URLPrivate
	}
	w := &capped{limit: limit}
	if err := g.GetFileContext(ctx, url, w); err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, fmt.Errorf("it is over %s", sizeText(limit))
		}
		return nil, err
	}
	return w.buf, nil
}

// capped is a writer that refuses to hold more than limit bytes.
type capped struct {
	buf   []byte
	limit int
}

func (c *capped) Write(p []byte) (int, error) {
	if len(c.buf)+len(p) > c.limit {
		return 0, errTooLarge
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

func sizeText(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}
