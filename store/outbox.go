package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
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

// enqueueMail writes an outbox row inside the caller's transaction. Its times come from the
// store's clock, the one the mailer compares next_attempt_at with.
func (s *Store) enqueueMail(ctx context.Context, tx *sqlx.Tx, m Mail) (int64, error) {
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
	var id int64
	err := tx.GetContext(ctx, &id, `
		INSERT INTO outbox (kind, user_id, invitation_id, recipient, lang, subject, body, sealed_secret, message_id,
		                    created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '<' || gen_random_uuid() || '@gatehouse>', $9, $9)
		RETURNING id`,
		m.Kind, m.UserID, m.InvitationID, m.To, m.Lang, m.Subject, m.Body, sealed, s.now())
	return id, err
}
