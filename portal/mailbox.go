package portal

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gatehouse/model/safe"
)

// The demo's mailbox: the e-mails the demo sent, read from its maildir, so that a newcomer
// can follow an invitation or a reset link without an SMTP server. Only served when
// Config.Mailbox is set (gatehouse demo); a real portal never shows mail.

type mailView struct {
	ID      string
	Date    string
	To      string
	Subject string
	Lines   []mailLine
	when    time.Time
}

type mailLine struct {
	Text string
	Link string // a link of this portal found alone on its line
}

// maxMailboxFiles bounds the listing (the newest ones).
const maxMailboxFiles = 200

// readMail parses one maildir file; full reads the body too.
func (p *Portal) readMail(path string, full bool) (mailView, bool) {
	f, err := os.Open(path)
	if err != nil {
		return mailView{}, false
	}
	defer f.Close()
	m, err := mail.ReadMessage(io.LimitReader(f, 1<<20))
	if err != nil {
		return mailView{}, false
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		subject = m.Header.Get("Subject")
	}
	to, err := dec.DecodeHeader(m.Header.Get("To"))
	if err != nil {
		to = m.Header.Get("To")
	}
	v := mailView{ID: filepath.Base(path), To: safe.Line(to), Subject: safe.Line(subject)}
	if t, err := m.Header.Date(); err == nil {
		v.when = t
		v.Date = t.UTC().Format("2006-01-02 15:04:05")
	}
	if !full {
		return v, true
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(m.Body)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return mailView{}, false
	}
	base := p.cfg.origin + p.cfg.prefix + "/"
	for _, line := range strings.Split(string(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))), "\n") {
		l := mailLine{Text: safe.Line(line)}
		if t := strings.TrimSpace(line); strings.HasPrefix(t, base) && !strings.ContainsAny(t, " \"<>") {
			l.Link = t
		}
		v.Lines = append(v.Lines, l)
	}
	return v, true
}

// mailFiles lists the maildir's messages (new and cur).
func (p *Portal) mailFiles() []string {
	var out []string
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(p.cfg.Mailbox, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				out = append(out, filepath.Join(p.cfg.Mailbox, sub, e.Name()))
			}
		}
	}
	return out
}

func (p *Portal) mailboxPage(w http.ResponseWriter, r *http.Request) {
	v := p.view(r, p.visit(r), "portal.demo.title", "")
	v.Maildir = safe.Line(p.cfg.Mailbox)
	for _, f := range p.mailFiles() {
		if m, ok := p.readMail(f, false); ok {
			v.Mails = append(v.Mails, m)
		}
	}
	sort.SliceStable(v.Mails, func(i, j int) bool {
		if !v.Mails[i].when.Equal(v.Mails[j].when) {
			return v.Mails[i].when.After(v.Mails[j].when)
		}
		return v.Mails[i].ID > v.Mails[j].ID
	})
	if len(v.Mails) > maxMailboxFiles {
		v.Mails = v.Mails[:maxMailboxFiles]
	}
	p.render(w, r, http.StatusOK, "mailbox", v)
}

func (p *Portal) mailPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	for _, f := range p.mailFiles() {
		if filepath.Base(f) != id {
			continue
		}
		m, ok := p.readMail(f, true)
		if !ok {
			break
		}
		v := p.view(r, p.visit(r), "portal.demo.title", "")
		v.Maildir = safe.Line(p.cfg.Mailbox)
		v.Mail = &m
		p.render(w, r, http.StatusOK, "mailbox", v)
		return
	}
	p.notFound(w, r)
}
