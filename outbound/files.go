package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/slack-go/slack"

	"helpdesk/core"
	mailin "helpdesk/inbound/mail"
)

// FileQueue is a Queue that holds the files rows carry: the raw mail a
// customer's attachment is read from, the record of what was uploaded,
// and the files agents shared. Package store has it; without it
// core.OutboxSlackFile rows are dead and answers go without their files.
type FileQueue interface {
	// Raw returns the raw mail of a stored message.
	Raw(ctx context.Context, message int64) ([]byte, error)
	// SlackUploaded returns the file an outbox row uploaded, "" for none.
	SlackUploaded(ctx context.Context, outboxID int64) (string, error)
	// RecordSlackUpload records the file an outbox row uploaded.
	RecordSlackUpload(ctx context.Context, outboxID int64, fileID string, at time.Time) error
	// File returns a file an agent shared, with its bytes.
	File(ctx context.Context, id int64) (*core.StoredFile, error)
}

// SlackUploader is a Slack that uploads files into a thread.
type SlackUploader interface {
	// UploadFile uploads data as name into the thread threadTS of
	// channel and returns Slack's file id.
	UploadFile(ctx context.Context, channel, threadTS, name string, data []byte) (string, error)
}

// UploadFile uploads with Slack's external upload (files.getUploadURLExternal,
// the bytes to the URL it gives, files.completeUploadExternal with the
// thread), which replaced files.upload.
func (s *SlackAPI) UploadFile(ctx context.Context, channel, threadTS, name string, data []byte) (string, error) {
	up, err := s.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: name, FileSize: len(data)})
	if err != nil {
		return "", slackError(fmt.Errorf("slack: upload URL for %q: %w", name, err))
	}
	err = s.api.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: up.UploadURL, Reader: bytes.NewReader(data), Filename: name})
	if err != nil {
		return "", slackError(fmt.Errorf("slack: upload %q: %w", name, err))
	}
	_, err = s.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: up.FileID, Title: name}}, Channel: channel, ThreadTimestamp: threadTS})
	if err != nil {
		return "", slackError(fmt.Errorf("slack: share %q in %s: %w", name, channel, err))
	}
	return up.FileID, nil
}

// uploadFile performs a core.OutboxSlackFile row: the customer's file in
// the ticket's thread, or a line there that names it when it is over the
// upload limit or refused (docs/rules.md §7). A row whose upload is
// recorded did its work already: a retry never uploads twice.
func (w *Worker) uploadFile(ctx context.Context, it core.OutboxItem) error {
	var up core.SlackUpload
	if err := json.Unmarshal(it.Payload, &up); err != nil {
		return permanent(fmt.Errorf("decode slack upload: %w", err))
	}
	fq, ok := w.q.(FileQueue)
	if !ok {
		return permanent(errors.New("the outbox keeps no files"))
	}
	if id, err := fq.SlackUploaded(ctx, it.ID); err != nil || id != "" {
		return err
	}
	channel, ts, err := w.thread(ctx, it.Ticket)
	if errors.Is(err, errNoCard) {
		channel, ts, err = w.newParent(ctx, it, reposted(core.SlackPost{Department: up.Department, Number: up.Number}))
	}
	if err != nil {
		return err
	}
	data, why, err := w.customerFile(ctx, fq, up)
	if err != nil {
		return err
	}
	sl, ok := w.sl.(SlackUploader)
	if why == "" && !ok {
		why = "this Slack connection takes no uploads"
	}
	if why != "" {
		n := core.SlackNotice{Department: up.Department, Number: up.Number, InThread: true,
			Text: fmt.Sprintf("File %s (%s) is not uploaded here: %s. It stays in the stored mail.", up.File.Filename, sizeText(up.File.Size), why)}
		return w.sl.PostNotice(ctx, channel, ts, n)
	}
	id, err := sl.UploadFile(ctx, channel, ts, up.File.Filename, data)
	if err != nil {
		return err
	}
	if err := fq.RecordSlackUpload(ctx, it.ID, id, w.opts.Now()); err != nil {
		// Uploaded all the same: a retry would upload it again, so the
		// row counts as sent and the slip is logged.
		w.log.ErrorContext(ctx, "an uploaded file's record failed", keyOutboxID, it.ID, keyError, err)
	}
	return nil
}

// customerFile reads the row's file from its raw mail, or says why it is
// not uploaded.
func (w *Worker) customerFile(ctx context.Context, fq FileQueue, up core.SlackUpload) ([]byte, string, error) {
	limit := w.opts.UploadMaxBytes
	if up.File.Size > limit {
		return nil, fmt.Sprintf("it is over the upload limit of %s", sizeText(limit)), nil
	}
	raw, err := fq.Raw(ctx, up.Message)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, "", permanent(err)
	} else if err != nil {
		return nil, "", err
	}
	files, err := mailin.Files(raw, limit)
	if err != nil || up.Index >= len(files) || files[up.Index].Filename != up.File.Filename {
		return nil, "the stored mail no longer reads as it did", nil
	}
	f := files[up.Index]
	if len(f.Data) == 0 {
		return nil, "its content could not be read", nil
	}
	if why := core.CheckFile(f.Filename, f.ContentType, f.Data[:min(512, len(f.Data))]); why != "" {
		return nil, why, nil
	}
	return f.Data, "", nil
}

// attachFiles reads the files an answer carries.
func (w *Worker) attachFiles(ctx context.Context, n core.EmailNotice) ([]*core.StoredFile, error) {
	if len(n.Data.Files) == 0 {
		return nil, nil
	}
	fq, ok := w.q.(FileQueue)
	if !ok {
		return nil, permanent(errors.New("the outbox keeps no files"))
	}
	var out []*core.StoredFile
	for _, mf := range n.Data.Files {
		f, err := fq.File(ctx, mf.ID)
		if core.ErrorCode(err) == core.ENOTFOUND {
			return nil, permanent(err)
		} else if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// writeAttachment adds one file to a mail being written.
func writeAttachment(mw *mail.Writer, f *core.StoredFile) error {
	var h mail.AttachmentHeader
	h.SetContentType(f.ContentType, nil)
	h.SetFilename(f.Name)
	pw, err := mw.CreateAttachment(h)
	if err != nil {
		return fmt.Errorf("create attachment %q: %w", f.Name, err)
	}
	if _, err := io.Copy(pw, bytes.NewReader(f.Data)); err != nil {
		return fmt.Errorf("write attachment %q: %w", f.Name, err)
	}
	return pw.Close()
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
