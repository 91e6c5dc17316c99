package store_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
)

// A DSA public key (ssh-dss), fixed: generating DSA parameters is slow, and the key is only
// refused.
const dsaKeyLine = "ssh-dss AAAAB3NzaC1kc3MAAACBAMxzfzZECV61o39Sr8UaSe0Uw/JCtZXqyb2Kaa6jKVaZsYwcQXbvlKu/UjzcWaTZVdG5CKIRs7eNLKl8AiVsOxpNFH6VVv0eWmT4lmslqRDPJtOnWKaJjoBAqIUCGSy417yD99GPhRhoMGoo08CgngYS2EChluwVZtTcqdEPP7e/AAAAFQDi2At6RYIlGrR23b6yHpogLrL+CwAAAIEAwAPfogSec0snpnAfzM0PJEtVFnxGQ/1jFpdZY33+w0bKe0kKdvIPhSGbdaelS/n+a4mPF4GGDM2zxTrX31nmyTeFF/kmVQ2jJPt4BB3znata5/tsJ6YzphGjLYFRWkNb3HsyE9opIZ5Lo4dJApFffMdqW2c+850SaYG6B81HGMAAAACAezN3LFZ53QpIxT3p9i0j4xl1GkIPkEFoB335zMDOE1CQib7sSqTr5wN0lPsLq3bbkp8srKLiuk7Cbuu6zAdXZHWhyT5LARtimMQ8rqW4/sjVG/yYjAYEIcHZJxo8HjuuulgtpKD5m2qsz5BWUZVFHdEzsfyOYhUwbNJ04OGDoiE= dsa@example"

func authorizedLine(t *testing.T, pub any) string {
	t.Helper()
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(mustPublicKey(t, pub))))
}

// Only the keys gatehouse serve accepts at login are registered: ssh-ed25519, ed25519 on a
// security key and RSA. An ECDSA or DSA key, or a certificate, is refused when it is added
// (operator add and operator key add), with a message naming the accepted types, in English
// and in French; nothing is registered or audited.
func TestOperatorKeysOnlyOfTypesTheSSHServerAccepts(t *testing.T) {
	a := newAcct(t)
	ctx := a.ctx
	sue := model.Operator{Name: "sue", Role: model.RoleSupport}

	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	skPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := ssh.ParsePublicKey(ssh.Marshal(struct {
		Type, Key, App string
	}{ssh.KeyAlgoSKED25519, string(skPub), "ssh:"}))
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]string{} // type → authorized_keys line
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		line := authorizedLine(t, &k.PublicKey)
		refused[strings.Fields(line)[0]] = line
	}
	refused[ssh.KeyAlgoDSA] = dsaKeyLine
	signer, err := ssh.NewSignerFromKey(edPriv)
	if err != nil {
		t.Fatal(err)
	}
	certKey, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert := &ssh.Certificate{Key: mustPublicKey(t, certKey), CertType: ssh.UserCert, KeyId: "ana", ValidPrincipals: []string{"ana"}, ValidBefore: ssh.CertTimeInfinity}
	if err := cert.SignCert(rand.Reader, signer); err != nil {
		t.Fatal(err)
	}
	refused[cert.Type()] = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(cert)))

	if _, err := a.s.AddOperator(ctx, sue, store.NewOperator{Name: "ana", Role: model.RoleOncall}); err != nil {
		t.Fatal(err)
	}
	audited := a.count(`SELECT count(*) FROM audit_entries`)
	for typ, line := range refused {
		checkRefusal := func(what string, err error) {
			t.Helper()
			var kt *store.KeyTypeError
			if !errors.As(err, &kt) || !errors.Is(err, store.ErrInvalid) || kt.Type != typ {
				t.Fatalf("%s %s: %v, want a KeyTypeError", what, typ, err)
			}
			for _, want := range []string{typ, "ssh-ed25519", "sk-ssh-ed25519@openssh.com", "ssh-rsa"} {
				if !strings.Contains(err.Error(), want) || !strings.Contains(kt.In(i18n.FR), want) {
					t.Errorf("%s %s: the refusal does not name %s:\n%s\n%s", what, typ, want, err, kt.In(i18n.FR))
				}
			}
			if !strings.Contains(kt.In(i18n.FR), "n'est pas acceptée") {
				t.Errorf("the French refusal: %s", kt.In(i18n.FR))
			}
		}
		_, err := a.s.AddOperator(ctx, sue, store.NewOperator{Name: "bob", Role: model.RoleOncall, Keys: []string{authorizedLine(t, edPub), line}})
		checkRefusal("operator add", err)
		_, err = a.s.AddOperatorKey(ctx, sue, "ana", line)
		checkRefusal("operator key add", err)
	}
	if n := a.count(`SELECT count(*) FROM operators WHERE name = 'bob'`); n != 0 {
		t.Fatal("an operator was registered with a refused key")
	}
	if n := a.count(`SELECT count(*) FROM operator_keys`); n != 0 {
		t.Fatalf("%d keys registered", n)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries`); n != audited {
		t.Fatalf("%d audit rows for refused keys", n-audited)
	}

	// The accepted types are registered.
	for _, pk := range []ssh.PublicKey{mustPublicKey(t, edPub), mustPublicKey(t, &rsaKey.PublicKey), sk} {
		fp, err := a.s.AddOperatorKey(ctx, sue, "ana", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))+" ana@laptop")
		if err != nil || fp != ssh.FingerprintSHA256(pk) {
			t.Fatalf("%s: %q %v", pk.Type(), fp, err)
		}
	}
	if n := a.count(`SELECT count(*) FROM operator_keys`); n != 3 {
		t.Fatalf("%d keys registered, want 3", n)
	}
}

func mustPublicKey(t *testing.T, pub any) ssh.PublicKey {
	t.Helper()
	pk, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pk
}
