package store

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/model/safe"
)

// The outbox mailer delivers queued e-mails over SMTP. Each round
// claims the due messages with SELECT … FOR UPDATE SKIP LOCKED (several mailers never take the
// same message) and reserves them for a lease; it then sends each with its outbox Message-ID,
// and marks it sent (dropping the sealed secret) or failed with a backoff. A crash between
// sending and marking sends the message again after the lease, under the same Message-ID, so
// the receiving side can tell it is the same message.

// MailerConfig configures delivery.
type MailerConfig struct {
	// SMTPURL is smtp://[user:pass@]host[:port] (STARTTLS when the server offers it; port 25
	// by default) or smtps://… (TLS from the start; port 465). Credentials are only sent over
	// TLS, or to a loopback server.
	SMTPURL string
	// From is the sender (envelope and header); default noreply@<portal host>.
	From string
	// TLSConfig verifies the server (nil: the system's roots, ServerName from the URL).
	TLSConfig *tls.Config
	// Hostname is the name given in EHLO; default the machine's host name.
	Hostname string
	// Batch is how many messages a round claims (default 20).
	Batch int
	// Interval is RunMailer's pause when nothing is due (default 5s).
	Interval time.Duration
	// Lease reserves a claimed message for this mailer (default 10 min): a crash leaves it to
	// be retried after that.
	Lease time.Duration
	// BaseBackoff is the wait after the first failure, doubled after each (default 30s), up
	// to MaxBackoff (default 1h).
	BaseBackoff, MaxBackoff time.Duration
	// MaxAttempts marks a message failed for good after that many attempts; 0 retries forever.
	// A recipient the server refuses permanently (5xx) is failed at once.
	MaxAttempts int
	// Timeout bounds the connection and each message's conversation (default 30s).
	Timeout time.Duration
	// Logf receives one line per delivery or failure (never a secret); nil: silent.
	Logf func(format string, args ...any)
}

func (c *MailerConfig) defaults(portalURL string) error {
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.Interval <= 0 {
		c.Interval = 5 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 10 * time.Minute
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
		if c.Hostname == "" {
			c.Hostname = "localhost"
		}
	}
	if c.From == "" {
		host := "localhost"
		if u, err := url.Parse(portalURL); err == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		c.From = "noreply@" + host
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return &DBError{Kind: ErrInvalid, Detail: "sender address: " + err.Error()}
	}
	_, err := parseSMTPURL(c.SMTPURL)
	return err
}

type smtpTarget struct {
	addr, host string
	implicit   bool // smtps: TLS from the first byte
	user, pass string
}

// parseSMTPURL reads smtp://user:pass@host:port. Its errors never repeat the password.
func parseSMTPURL(s string) (smtpTarget, error) {
	if s == "" {
		return smtpTarget{}, &DBError{Kind: ErrInvalid, Detail: "no SMTP server configured (--smtp-url smtp://user:pass@host:port or GATEHOUSE_SMTP_URL)"}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return smtpTarget{}, &DBError{Kind: ErrInvalid, Detail: "the SMTP URL must look like smtp://user:pass@host:port"}
	}
	t := smtpTarget{host: u.Hostname()}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "25"
		}
	case "smtps":
		t.implicit = true
		if port == "" {
			port = "465"
		}
	default:
		return smtpTarget{}, &DBError{Kind: ErrInvalid, Detail: "the SMTP URL scheme must be smtp or smtps"}
	}
	t.addr = net.JoinHostPort(t.host, port)
	if u.User != nil {
		t.user = u.User.Username()
		t.pass, _ = u.User.Password()
	}
	return t, nil
}

// DeliveryReport counts what a delivery round did.
type DeliveryReport struct {
	Claimed int // messages taken from the outbox
	Sent    int
	Retry   int // failed this time, left queued for a later attempt
	Failed  int // failed for good (status failed)
}

func (r *DeliveryReport) add(o DeliveryReport) {
	r.Claimed += o.Claimed
	r.Sent += o.Sent
	r.Retry += o.Retry
	r.Failed += o.Failed
}

type outboxMessage struct {
	ID        int64  `db:"id"`
	Recipient string `db:"recipient"`
	Lang      string `db:"lang"`
	Subject   string `db:"subject"`
	Body      string `db:"body"`
	Sealed    []byte `db:"sealed_secret"`
	MessageID string `db:"message_id"`
	Attempts  int    `db:"attempts"`
}

// claimOutbox reserves up to n due messages for this mailer (skipping those another mailer
// holds) and counts the attempt.
func (s *Store) claimOutbox(ctx context.Context, n int, lease time.Duration) ([]outboxMessage, error) {
	now := s.now()
	var out []outboxMessage
	err := s.db.SelectContext(ctx, &out, `
		UPDATE outbox o SET next_attempt_at = $2, attempts = o.attempts + 1
		FROM (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
		      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) due
		WHERE o.id = due.id
		RETURNING o.id, o.recipient, o.lang, o.subject, o.body, o.sealed_secret, o.message_id, o.attempts`,
		now, now.Add(lease), n)
	return out, mapErr(err)
}

func (s *Store) markSent(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = $2, sealed_secret = NULL, last_error = NULL
		WHERE id = $1 AND status = 'pending'`, id, s.now())
	return mapErr(err)
}

func (s *Store) markFailed(ctx context.Context, id int64, errText string, next time.Time, final bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET last_error = $2, next_attempt_at = $3,
		status = CASE WHEN $4 THEN 'failed' ELSE status END,
		sealed_secret = CASE WHEN $4 THEN NULL ELSE sealed_secret END
		WHERE id = $1 AND status = 'pending'`, id, errText, next, final)
	return mapErr(err)
}

func (c *MailerConfig) backoff(attempts int) time.Duration {
	d := c.BaseBackoff
	for i := 1; i < attempts && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

// DeliverOutbox runs one round: claims up to Batch due messages and tries each once.
// The error is about the database; SMTP failures are recorded on the messages.
func (s *Store) DeliverOutbox(ctx context.Context, cfg MailerConfig) (DeliveryReport, error) {
	if err := cfg.defaults(s.cfg.PortalURL); err != nil {
		return DeliveryReport{}, err
	}
	target, _ := parseSMTPURL(cfg.SMTPURL)
	// A mailer whose key is not the installation's claims nothing: it could open none of
	// the links, and would only push the messages' next attempts back.
	if err := s.useOutboxKey(ctx, s.db, "nothing was delivered"); err != nil {
		return DeliveryReport{}, err
	}
	msgs, err := s.claimOutbox(ctx, cfg.Batch, cfg.Lease)
	if err != nil || len(msgs) == 0 {
		return DeliveryReport{}, err
	}
	rep := DeliveryReport{Claimed: len(msgs)}
	var conn *smtpSession
	var dialErr error
	defer func() {
		if conn != nil {
			conn.close()
		}
	}()
	for _, m := range msgs {
		var sendErr error
		secret, unopenable := "", false
		if len(m.Sealed) > 0 {
			// The key is the installation's: a link that does not open was sealed with
			// another key before keys were recorded, and no process can ever send it.
			if secret, sendErr = s.OpenSealed(m.Sealed); sendErr != nil {
				unopenable = true
				sendErr = errors.New("its link was sealed with another outbox key than the installation's and can never be sent: send it again")
			}
		}
		if sendErr == nil {
			if conn == nil && dialErr == nil {
				conn, dialErr = dialSMTP(ctx, target, &cfg)
			}
			if dialErr != nil {
				sendErr = dialErr
			} else if sendErr = conn.send(&cfg, m, secret, s.now()); sendErr != nil && !conn.usable(sendErr) {
				conn.close()
				conn = nil
			}
		}
		if sendErr == nil {
			if err := s.markSent(ctx, m.ID); err != nil {
				return rep, err
			}
			rep.Sent++
			cfg.Logf("outbox #%d sent (%s, %s)", m.ID, m.MessageID, m.Recipient)
			continue
		}
		text := redact(sendErr.Error(), secret, target.pass)
		final := unopenable || permanentSMTPError(sendErr) || (cfg.MaxAttempts > 0 && m.Attempts >= cfg.MaxAttempts)
		next := s.now().Add(cfg.backoff(m.Attempts))
		if err := s.markFailed(ctx, m.ID, text, next, final); err != nil {
			return rep, err
		}
		if final {
			rep.Failed++
			cfg.Logf("outbox #%d failed for good after %d attempt(s): %s", m.ID, m.Attempts, text)
		} else {
			rep.Retry++
			cfg.Logf("outbox #%d attempt %d failed: %s; next try %s", m.ID, m.Attempts, text, next.UTC().Format(time.RFC3339))
		}
	}
	return rep, nil
}

// DeliverDue runs rounds until nothing more is due now (gatehouse mail --once).
func (s *Store) DeliverDue(ctx context.Context, cfg MailerConfig) (DeliveryReport, error) {
	if err := cfg.defaults(s.cfg.PortalURL); err != nil {
		return DeliveryReport{}, err
	}
	var total DeliveryReport
	for {
		rep, err := s.DeliverOutbox(ctx, cfg)
		total.add(rep)
		if err != nil || rep.Claimed < cfg.Batch {
			return total, err
		}
	}
}

// RunMailer delivers the outbox until ctx ends (gatehouse mail, gatehouse serve). Database or
// SMTP outages are logged and retried; it returns nil when ctx ends, or a configuration error
// (an outbox key that is not the installation's among them).
func (s *Store) RunMailer(ctx context.Context, cfg MailerConfig) error {
	if err := cfg.defaults(s.cfg.PortalURL); err != nil {
		return err
	}
	for {
		rep, err := s.DeliverOutbox(ctx, cfg)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrOutboxKey) {
			return err
		}
		if err != nil {
			cfg.Logf("outbox: %s", redact(err.Error(), "", ""))
		}
		if err == nil && rep.Claimed == cfg.Batch {
			continue // more is due
		}
		t := time.NewTimer(cfg.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// OutboxCounts counts messages by status.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT status, count(*) FROM outbox GROUP BY status`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, mapErr(rows.Err())
}

// OutboxBacklog says what is left in the outbox and why.
type OutboxBacklog struct {
	Pending  int64 // not sent yet, of which:
	Due      int64 // due now (queued while the mailer ran, or left for the next round)
	Retrying int64 // an attempt failed; the next one waits for the backoff
	Held     int64 // taken by a mailer, its attempt not finished (a crash retries it after the lease)
	// NextAttempt is the earliest next attempt of those not due; LastError the error of the
	// most recently failed pending message.
	NextAttempt *time.Time
	LastError   string
	Failed      int64 // failed for good (they stay until sent again from the console)
}

// OutboxBacklog reads the outbox's pending and failed messages (on the primary: right after a
// delivery round, a replica could still show them pending).
func (s *Store) OutboxBacklog(ctx context.Context) (OutboxBacklog, error) {
	var b struct {
		Pending, Due, Retrying, Held, Failed int64
		NextAttempt                          *time.Time `db:"next_attempt"`
		LastError                            *string    `db:"last_error"`
	}
	err := s.db.GetContext(ctx, &b, `
		SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
		       count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= $1) AS due,
		       count(*) FILTER (WHERE status = 'pending' AND next_attempt_at > $1 AND last_error IS NOT NULL) AS retrying,
		       count(*) FILTER (WHERE status = 'pending' AND next_attempt_at > $1 AND last_error IS NULL) AS held,
		       min(next_attempt_at) FILTER (WHERE status = 'pending' AND next_attempt_at > $1) AS next_attempt,
		       (SELECT last_error FROM outbox WHERE status = 'pending' AND last_error IS NOT NULL
		        ORDER BY next_attempt_at DESC, id DESC LIMIT 1) AS last_error,
		       count(*) FILTER (WHERE status = 'failed') AS failed
		FROM outbox WHERE status IN ('pending', 'failed')`, s.now())
	if err != nil {
		return OutboxBacklog{}, mapErr(err)
	}
	out := OutboxBacklog{Pending: b.Pending, Due: b.Due, Retrying: b.Retrying, Held: b.Held, Failed: b.Failed, NextAttempt: b.NextAttempt}
	if b.LastError != nil {
		out.LastError = *b.LastError
	}
	return out, nil
}

var tokenParam = regexp.MustCompile(`token=[A-Za-z0-9_\-]+`)

// redact removes secrets from an error text before it is stored or logged, and caps it.
func redact(text, secret, password string) string {
	if secret != "" {
		text = strings.ReplaceAll(text, secret, "[secret]")
	}
	if password != "" {
		text = strings.ReplaceAll(text, password, "[password]")
	}
	text = tokenParam.ReplaceAllString(text, "token=[secret]")
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > 500 {
		text = text[:500]
	}
	return strings.ToValidUTF8(text, "?")
}

// permanentSMTPError reports a 5xx refusal of the recipient or the message.
func permanentSMTPError(err error) bool {
	var se *smtpStepError
	var te *textproto.Error
	return errors.As(err, &se) && (se.step == "RCPT" || se.step == "DATA") && errors.As(err, &te) && te.Code >= 500
}

type smtpStepError struct {
	step string
	err  error
}

func (e *smtpStepError) Error() string { return "SMTP " + e.step + ": " + e.err.Error() }
func (e *smtpStepError) Unwrap() error { return e.err }

func step(name string, err error) error {
	if err == nil {
		return nil
	}
	return &smtpStepError{step: name, err: err}
}

type smtpSession struct {
	conn    net.Conn
	c       *smtp.Client
	timeout time.Duration
}

func dialSMTP(ctx context.Context, t smtpTarget, cfg *MailerConfig) (*smtpSession, error) {
	d := net.Dialer{Timeout: cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, step("connect", err)
	}
	tlsCfg := cfg.TLSConfig
	if tlsCfg == nil {
		tlsCfg = &tls.Config{}
	}
	tlsCfg = tlsCfg.Clone()
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = t.host
	}
	if t.implicit {
		conn = tls.Client(conn, tlsCfg)
	}
	_ = conn.SetDeadline(time.Now().Add(cfg.Timeout))
	c, err := smtp.NewClient(conn, t.host)
	if err != nil {
		conn.Close()
		return nil, step("greeting", err)
	}
	sess := &smtpSession{conn: conn, c: c, timeout: cfg.Timeout}
	if err := c.Hello(cfg.Hostname); err != nil {
		sess.close()
		return nil, step("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !t.implicit {
		if err := c.StartTLS(tlsCfg); err != nil {
			sess.close()
			return nil, step("STARTTLS", err)
		}
	}
	if t.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			sess.close()
			return nil, step("AUTH", errors.New("the server offers no authentication"))
		}
		// PlainAuth refuses to send the password in clear except to a loopback server.
		if err := c.Auth(smtp.PlainAuth("", t.user, t.pass, t.host)); err != nil {
			sess.close()
			return nil, step("AUTH", err)
		}
	}
	return sess, nil
}

func (s *smtpSession) close() {
	_ = s.c.Quit()
	_ = s.conn.Close()
}

// usable reports whether the connection can carry the next message after err.
func (s *smtpSession) usable(err error) bool {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return false
	}
	return s.c.Reset() == nil
}

func (s *smtpSession) send(cfg *MailerConfig, m outboxMessage, secret string, now time.Time) error {
	_ = s.conn.SetDeadline(time.Now().Add(s.timeout))
	to, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		return step("RCPT", &textproto.Error{Code: 553, Msg: "recipient address is not valid: " + err.Error()})
	}
	from, _ := mail.ParseAddress(cfg.From)
	msg := buildMessage(from, to, m, secret, now)
	if err := s.c.Mail(from.Address); err != nil {
		return step("MAIL", err)
	}
	if err := s.c.Rcpt(to.Address); err != nil {
		return step("RCPT", err)
	}
	w, err := s.c.Data()
	if err != nil {
		return step("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return step("DATA", err)
	}
	return step("DATA", w.Close())
}

// Headers are written as RFC 5322 and RFC 2047 require, whatever the names in them: a value
// of printable ASCII words is folded at its spaces; any other value (non-ASCII, controls, a
// word too long to fold, text that could be read as an encoded-word) is written as
// encoded-words of at most 75 characters, each holding whole UTF-8 characters, one per line.
// Every line is at most 78 characters (the limit is 998).
const (
	maxHeaderLine  = 78 // RFC 5322 §2.1.1: SHOULD (the MUST is 998)
	maxEncodedWord = 75 // RFC 2047 §2
)

// writeHeader writes one header field, its value folded between tokens (tokens are joined by
// one space; a fold replaces that space with CRLF and a space).
func writeHeader(b *bytes.Buffer, name string, tokens []string) {
	b.WriteString(name + ":")
	line := len(name) + 1
	for _, t := range tokens {
		if line+1+len(t) > maxHeaderLine && line > len(name)+1 {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteString(" " + t)
		line += 1 + len(t)
	}
	b.WriteString("\r\n")
}

// headerLine is a database string made fit for a header: sanitized (no escape sequences, no
// controls or bidi overrides), on one line, runs of white space made one space.
func headerLine(s string) string {
	return strings.Join(strings.Fields(safe.Line(s)), " ")
}

// textTokens are the tokens of an unstructured value (a subject): its words when they can be
// sent as they are, else encoded-words.
func textTokens(name, value string) []string {
	words := strings.Fields(value)
	for i, w := range words {
		room := maxHeaderLine - 1 // a continuation line starts with a space
		if i == 0 {
			room = maxHeaderLine - len(name) - 2
		}
		if len(w) > room || !plainASCII(w) || strings.Contains(w, "=?") {
			return encodedWords(name, value)
		}
	}
	return words
}

// phraseTokens are the tokens of an address's display name: its words when they are atoms, a
// quoted string when it is printable ASCII, else encoded-words.
func phraseTokens(name, phrase string) []string {
	if phrase == "" {
		return nil
	}
	words := strings.Fields(phrase)
	atoms := true
	for _, w := range words {
		atoms = atoms && len(w) <= maxHeaderLine-1 && strings.IndexFunc(w, func(r rune) bool { return !isAtext(r) }) < 0
	}
	if atoms {
		return words
	}
	if plainASCII(phrase) && len(phrase)+len(name)+4 <= maxHeaderLine {
		return []string{`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(phrase) + `"`}
	}
	return encodedWords(name, phrase)
}

// addressTokens are the tokens of a mailbox: display name (if any), then <addr-spec>.
func addressTokens(name string, a *mail.Address) []string {
	return append(phraseTokens(name, headerLine(a.Name)), "<"+a.Address+">")
}

// plainASCII reports printable ASCII (spaces included).
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// isAtext reports an RFC 5322 atom character.
func isAtext(r rune) bool {
	return r < 0x7f && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r))
}

// qSafe are the bytes a Q-encoded word may carry as they are, in any header (RFC 2047 §5 (3):
// the strictest rule, that of a display name).
func qSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!*+-/", c) >= 0
}

// encodedWords writes value as UTF-8 encoded-words, Q when that is shorter (mostly Latin
// text stays readable), else B, each at most 75 characters and short enough for its line,
// each holding whole characters (a decoder may decode each word alone).
func encodedWords(name, value string) []string {
	useQ := qLen(value) <= bLen(value)
	prefix, size, encode := "=?utf-8?b?", bLen, func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	if useQ {
		prefix, size, encode = "=?utf-8?q?", qLen, qEncode
	}
	const suffix = "?="
	var words []string
	room := min(maxEncodedWord, maxHeaderLine-len(name)-2) - len(prefix) - len(suffix)
	start := 0
	for i := 0; i < len(value); {
		_, n := utf8.DecodeRuneInString(value[i:])
		if i > start && size(value[start:i+n]) > room {
			words = append(words, prefix+encode(value[start:i])+suffix)
			start = i
			room = min(maxEncodedWord, maxHeaderLine-1) - len(prefix) - len(suffix)
		}
		i += n
	}
	if start < len(value) {
		words = append(words, prefix+encode(value[start:])+suffix)
	}
	return words
}

func bLen(s string) int { return (len(s) + 2) / 3 * 4 }

func qLen(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if qSafe(s[i]) || s[i] == ' ' {
			n++
		} else {
			n += 3
		}
	}
	return n
}

func qEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			b.WriteByte('_')
		case qSafe(c):
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}

// buildMessage writes the e-mail: headers (the outbox Message-ID among them) and the body in
// quoted-printable UTF-8, the secret put in place of its placeholder. Subject and body are
// sanitized again here: a row may have been queued by another program sharing the schema.
func buildMessage(from, to *mail.Address, m outboxMessage, secret string, now time.Time) []byte {
	var b bytes.Buffer
	writeHeader(&b, "From", addressTokens("From", from))
	writeHeader(&b, "To", addressTokens("To", to))
	writeHeader(&b, "Subject", textTokens("Subject", headerLine(m.Subject)))
	h := func(k, v string) { writeHeader(&b, k, []string{v}) }
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", m.MessageID)
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	h("Content-Language", m.Lang)
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := safe.Text(m.Body)
	if secret != "" {
		body = strings.ReplaceAll(body, SecretPlaceholder, safe.Line(secret))
	}
	body = strings.ReplaceAll(body, "\n", "\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(body))
	_ = qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}
