package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// SlackUpload is a file uploaded to the fake Slack and shared.
type SlackUpload struct {
	ID, Name         string
	Channel, Thread  string // where it was shared; "" until completed
	Data             []byte
	completed, known bool
}

// slackFiles are the fake Slack's files: uploads through the external
// upload API (files.getUploadURLExternal, the upload URL,
// files.completeUploadExternal) and files agents shared, served at their
// url_private_download to the bot token only.
type slackFiles struct {
	mu      sync.Mutex
	uploads []*SlackUpload
	shared  map[string][]byte // download path → bytes
	seq     int
}

// BotToken is the demo gateway's Slack bot token.
const BotToken = "xoxb-demo"

func (f *FakeSlack) uploadURL(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f.files.mu.Lock()
	f.files.seq++
	u := &SlackUpload{ID: fmt.Sprintf("F%06d", f.files.seq), Name: r.FormValue("filename")}
	f.files.uploads = append(f.files.uploads, u)
	f.files.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "file_id": u.ID, "upload_url": f.URL() + "upload/" + u.ID})
}

// upload takes the bytes of an upload (a multipart form's "file").
func (f *FakeSlack) upload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	data, _ := io.ReadAll(file)
	f.files.mu.Lock()
	defer f.files.mu.Unlock()
	for _, u := range f.files.uploads {
		if u.ID == id {
			u.Data, u.known = data, true
			w.Write([]byte("OK"))
			return
		}
	}
	http.NotFound(w, r)
}

func (f *FakeSlack) completeUpload(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	var files []struct{ ID string }
	json.Unmarshal([]byte(r.FormValue("files")), &files)
	f.files.mu.Lock()
	defer f.files.mu.Unlock()
	for _, s := range files {
		for _, u := range f.files.uploads {
			if u.ID == s.ID && u.known {
				u.Channel, u.Thread, u.completed = r.FormValue("channel_id"), r.FormValue("thread_ts"), true
			}
		}
	}
	writeJSON(w, map[string]any{"ok": true, "files": files})
}

// Uploads returns the files uploaded and shared so far.
func (f *FakeSlack) Uploads() []SlackUpload {
	f.files.mu.Lock()
	defer f.files.mu.Unlock()
	var out []SlackUpload
	for _, u := range f.files.uploads {
		if u.completed {
			out = append(out, *u)
		}
	}
	return out
}

// ShareFile makes a file as an agent's upload in Slack would, and
// returns its url_private_download, which answers the bot token only.
func (f *FakeSlack) ShareFile(name string, data []byte) string {
	f.files.mu.Lock()
	defer f.files.mu.Unlock()
	f.files.seq++
	path := fmt.Sprintf("download/F%06d/%s", f.files.seq, name)
	if f.files.shared == nil {
		f.files.shared = map[string][]byte{}
	}
	f.files.shared["/"+path] = data
	return f.URL() + path
}

func (f *FakeSlack) download(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+BotToken {
		http.Error(w, "not authed", http.StatusForbidden)
		return
	}
	f.files.mu.Lock()
	data, ok := f.files.shared[r.URL.Path]
	f.files.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(data)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
