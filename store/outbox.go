package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"gatehouse/model/i18n"
	"gatehouse/model/safe"
)

// SecretPlaceholder marks where a queued e-mail's sealed secret (a link with a token) goes.
const SecretPlaceholder = "{{secret}}"

// Mail is one e-mail to queue in the outbox.
type Mail struct {
	Kind         string // invitation, reset_link, login_code, notice
	UserID       *int64
	InvitationID *int64
	To           string
	Lang         string
	Subject      string
	Body         string // may hold SecretPlaceholder
	Secret       string // sealed at rest, substituted at delivery; never stored in clear
}

func (s *Store) setOutboxKey(key []byte) error {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
	}
	if len(key) != 32 {
		return fmt.Errorf("outbox key must be 32 bytes, got %d", len(key))
	}
	s.key = key
	return nil
}

func (s *Store) seal(plain string) ([]byte, error) {
	block, err := aes.NewCipher(s.key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, []byte(plain), nil), nil
}

// OpenSealed recovers a sealed outbox secret (the mailer calls it at delivery time).
func (s *Store) OpenSealed(sealed []byte) (string, error) {
	block, err := aes.NewCipher(s.key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	if len(sealed) < gcm.NonceSize() {
		return "", errors.New("sealed secret too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
	if err != nil {
		return "", errors.New("sealed secret does not open with this installation's outbox key")
	}
	return string(plain), nil
}

// One outbox key per installation. What one process seals, the mailer of any other process
// must open, so every process of an installation has to hold the same key. The database
// records the key's fingerprint (HMAC-SHA256 of a fixed label under the key: it tells keys
// apart and reveals nothing of the key) the first time a key is used to queue or to deliver.
// A store whose key has another fingerprint queues nothing (the change that wanted to queue
// fails with it, in its one transaction) and delivers nothing: no e-mail is ever sealed with
// a key the mailer does not have.

// ErrOutboxKey means this process's outbox key is not the installation's.
var ErrOutboxKey = errors.New("this process's outbox key is not the installation's")

const (
	settingOutboxKey = "outbox_key" // {"fingerprint": hex}
	fingerprintLabel = "gatehouse outbox key fingerprint v1"
	// howToSetKey is how an operator gives a process the installation's key.
	howToSetKey = "give every gatehouse process of this installation the installation's key (the first one " +
		"used, e.g. the <data dir>/outbox.key of the OS user who queued the first e-mail) with " +
		"GATEHOUSE_OUTBOX_KEY (64 hex digits, or base64 of 32 bytes) or outbox_key_file in the config " +
		"file (GATEHOUSE_OUTBOX_KEY_FILE); without them each OS user has its own <data dir>/outbox.key"
)

type outboxKeyJSON struct {
	Fingerprint string `json:"fingerprint"`
}

// keyFingerprint identifies the outbox key without revealing it.
func (s *Store) keyFingerprint() string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(fingerprintLabel))
	return hex.EncodeToString(m.Sum(nil))
}

// outboxKeyError refuses doing (what was not done) with this process's key; reason, when
// set, says more than "not the installation's".
func (s *Store) outboxKeyError(doing, reason string) error {
	d := doing
	if reason != "" {
		d += " (" + reason + ")"
	}
	if s.cfg.OutboxKeySource != "" {
		d += "; this process's key comes from " + s.cfg.OutboxKeySource
	}
	return &DBError{Kind: ErrOutboxKey, Detail: d + "; " + howToSetKey}
}

// useOutboxKey checks that this store's key is the installation's, recording it as the
// installation's on first use. Before a key is recorded, e-mails already queued (by a version
// that did not record keys) decide: a key that opens none of them is refused, so that they do
// not become unsendable. doing names the refused action in the error.
func (s *Store) useOutboxKey(ctx context.Context, q sqlx.ExtContext, doing string) error {
	mine := s.keyFingerprint()
	var rec outboxKeyJSON
	found, err := readSetting(ctx, q, settingOutboxKey, &rec)
	if err != nil {
		return err
	}
	if !found {
		var sealed [][]byte
		if err := sqlx.SelectContext(ctx, q, &sealed, `SELECT sealed_secret FROM outbox
			WHERE status = 'pending' AND sealed_secret IS NOT NULL ORDER BY id DESC LIMIT 100`); err != nil {
			return mapErr(err)
		}
		opens := len(sealed) == 0
		for _, b := range sealed {
			if _, err := s.OpenSealed(b); err == nil {
				opens = true
				break
			}
		}
		if !opens {
			return s.outboxKeyError(doing, "no key is recorded yet, and none of the e-mails already queued opens with this one")
		}
		raw := []byte(`{"fingerprint":"` + mine + `"}`)
		// Concurrent first uses: one insert wins, the others read the winner's key.
		if _, err := q.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO NOTHING`, settingOutboxKey, raw, s.now()); err != nil {
			return mapErr(err)
		}
		if found, err = readSetting(ctx, q, settingOutboxKey, &rec); err != nil {
			return err
		}
		if !found {
			return errors.New("outbox key: the installation's key fingerprint could not be recorded")
		}
	}
	if !hmac.Equal([]byte(rec.Fingerprint), []byte(mine)) {
		return s.outboxKeyError(doing, "")
	}
	return nil
}

// enqueueMail writes an outbox row inside the caller's transaction, after checking that this
// process holds the installation's outbox key (otherwise the caller's whole change fails).
// Subject and body are sanitized (names and other database strings in them may hold escape
// sequences or bidi controls). Its times come from the store's clock, the one the mailer
// compares next_attempt_at with.
func (s *Store) enqueueMail(ctx context.Context, tx *sqlx.Tx, m Mail) (int64, error) {
	if err := s.useOutboxKey(ctx, tx, "nothing was queued (an e-mail sealed with it could never be sent)"); err != nil {
		return 0, err
	}
	m.Subject, m.Body = safe.Line(m.Subject), safe.Text(m.Body)
	var sealed []byte
	if m.Secret != "" {
		if !strings.Contains(m.Body, SecretPlaceholder) {
			return 0, errors.New("outbox: a secret needs a placeholder in the body")
		}
		var err error
		if sealed, err = s.seal(m.Secret); err != nil {
			return 0, err
		}
	}
	if m.Lang != "en" {
		m.Lang = "fr"
	}
	loc, err := mailZone(ctx, tx, m, i18n.Lang(m.Lang))
	if err != nil {
		return 0, err
	}
	m.Body = localizeDates(m.Body, i18n.Lang(m.Lang), loc)
	var id int64
	err = tx.GetContext(ctx, &id, `
		INSERT INTO outbox (kind, user_id, invitation_id, recipient, lang, subject, body, sealed_secret, message_id,
		                    created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '<' || gen_random_uuid() || '@gatehouse>', $9, $9)
		RETURNING id`,
		m.Kind, m.UserID, m.InvitationID, m.To, m.Lang, m.Subject, m.Body, sealed, s.now())
	return id, err
}
