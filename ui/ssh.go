package ui

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/charmbracelet/wish/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// SSHConfig configures `gatehouse serve`.
type SSHConfig struct {
	Addr        string        // listen address; default ":2222"
	HostKeyPath string        // ed25519 host key (OpenSSH PEM), created with mode 0600 when missing
	MaxSessions int           // open console sessions at once; default 50
	IdleTimeout time.Duration // a connection with no traffic is closed; default 10m
	MaxTimeout  time.Duration // absolute connection lifetime; default 12h
	Lang        string        // console language when the client's environment names none
	DBLabel     string        // what the header shows as the database
	Logger      *slog.Logger  // default slog.Default()
	// FPS caps how often a session's screen is redrawn (default 120): a frame is drawn as
	// soon as a message changes the view, unless the previous one is less than 1/FPS old.
	FPS int
}

const (
	defaultSSHAddr        = ":2222"
	defaultMaxSessions    = 50
	defaultIdleTimeout    = 10 * time.Minute
	defaultMaxTimeout     = 12 * time.Hour
	defaultFPS            = 120
	operatorLookupTimeout = 5 * time.Second
	// permFingerprint carries, in the connection's permissions, the fingerprint of the key
	// the public-key callback accepted. x/crypto (≥ 0.31) keeps the permissions of the key
	// that completed authentication, so this and Session.PublicKey() name the proved key.
	permFingerprint = "gatehouse-key-fp"
)

// sshServer holds what the handlers of one server share.
type sshServer struct {
	st     *store.Store
	cfg    SSHConfig
	log    *slog.Logger
	active atomic.Int64 // console sessions running
	conns  atomic.Int64 // TCP connections open (authenticated or not)

	mu       sync.Mutex
	closing  bool                      // Shutdown began: no new session, every console quits
	closed   bool                      // Close or Shutdown closed the connections: no new one
	programs map[*tea.Program]struct{} // the consoles running
	open     map[*countedConn]struct{} // every TCP connection, from accept (mid-handshake too)
	sessions sync.WaitGroup            // sessions admitted and not yet ended (Add under mu)
}

// SSHServer is the console served over SSH. Serve it with Serve(listener); Shutdown ends it
// gracefully, Close at once.
type SSHServer struct {
	srv *ssh.Server
	s   *sshServer

	mu        sync.Mutex
	listeners []net.Listener
}

// Serve accepts connections on ln until Shutdown or Close; it then returns ssh.ErrServerClosed.
func (g *SSHServer) Serve(ln net.Listener) error {
	g.mu.Lock()
	g.listeners = append(g.listeners, ln)
	g.mu.Unlock()
	err := g.srv.Serve(ln)
	if errors.Is(err, net.ErrClosed) && g.s.isClosing() {
		return ssh.ErrServerClosed // Shutdown closed the listener
	}
	return err
}

// Close closes the listeners and every connection at once: the consoles are killed, their
// clients' terminals left as they were.
func (g *SSHServer) Close() error {
	err := g.srv.Close()
	g.s.closeConns()
	return err
}

// closeConns closes every connection, those still in their handshake included (the ssh
// package knows a connection only once authenticated), and refuses any accepted later.
func (s *sshServer) closeConns() {
	s.mu.Lock()
	s.closed = true
	open := make([]*countedConn, 0, len(s.open))
	for c := range s.open {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		_ = c.Close()
	}
}

// Shutdown stops the server gracefully: the listeners are closed, a session that starts
// from now on is refused, and every console is told to quit. A console that quits leaves its
// client's terminal as it found it (alternate screen left, cursor shown), writes the
// session's "server shutting down" line and ends the session with exit status 0. When every
// console has ended, or when ctx ends first (its error is then returned), the connections
// left are closed.
func (g *SSHServer) Shutdown(ctx context.Context) error {
	// The listeners are closed here rather than by ssh.Server.Shutdown, whose wait for the
	// connections races with the connections it is still accepting (a WaitGroup Add during
	// Wait), and which would wait for clients that keep their connection open.
	programs := g.s.beginShutdown()
	g.mu.Lock()
	for _, ln := range g.listeners {
		_ = ln.Close()
	}
	g.mu.Unlock()
	g.s.log.Info("ssh shutdown: telling the consoles to quit", "sessions", len(programs))
	for _, p := range programs {
		go p.Quit() // Send blocks until the program reads it, or ends
	}
	ended := make(chan struct{})
	go func() { g.s.sessions.Wait(); close(ended) }()
	var err error
	select {
	case <-ended:
	case <-ctx.Done():
		err = ctx.Err()
		g.s.log.Warn("ssh shutdown: consoles still open, closing their connections", "sessions", g.s.active.Load())
	}
	_ = g.Close() // what is left: connections without a console, consoles that did not quit
	return err
}

// beginShutdown marks the server closing and returns the consoles running.
func (s *sshServer) beginShutdown() []*tea.Program {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	programs := make([]*tea.Program, 0, len(s.programs))
	for p := range s.programs {
		programs = append(programs, p)
	}
	return programs
}

// admit counts a session in, unless the server is shutting down.
func (s *sshServer) admit() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sessions.Add(1)
	return true
}

// track registers a console program so that Shutdown can tell it to quit; it returns false
// (the program must not run) when the server is shutting down.
func (s *sshServer) track(p *tea.Program) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.programs[p] = struct{}{}
	return true
}

func (s *sshServer) untrack(p *tea.Program) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.programs, p)
}

func (s *sshServer) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// NewSSHServer builds the SSH server of the console: public-key authentication only, keys
// from the operators table, the operator resolved from the key the client proved, one
// console program per session, modern algorithms only (see sshAlgorithms).
func NewSSHServer(st *store.Store, cfg SSHConfig) (*SSHServer, error) {
	if cfg.Addr == "" {
		cfg.Addr = defaultSSHAddr
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = defaultMaxSessions
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	if cfg.MaxTimeout <= 0 {
		cfg.MaxTimeout = defaultMaxTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.FPS <= 0 {
		cfg.FPS = defaultFPS
	}
	if cfg.HostKeyPath == "" {
		return nil, errors.New("ssh: a host key path is required")
	}
	signer, created, err := EnsureHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, err
	}
	signer, err = offeredHostKey(signer)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", cfg.HostKeyPath, err)
	}
	cfg.Logger.Info("ssh host key", "path", cfg.HostKeyPath, "fingerprint", gossh.FingerprintSHA256(signer.PublicKey()), "created", created)
	s := &sshServer{st: st, cfg: cfg, log: cfg.Logger, programs: map[*tea.Program]struct{}{}, open: map[*countedConn]struct{}{}}
	srv, err := wish.NewServer(
		wish.WithAddress(cfg.Addr),
		wish.WithVersion("gatehouse"),
		wish.WithPublicKeyAuth(s.publicKeyAuth),
		wish.WithIdleTimeout(cfg.IdleTimeout),
		wish.WithMaxTimeout(cfg.MaxTimeout),
		ssh.EmulatePty(),
		// Middlewares run last to first: recover → session (checks, identity, console).
		wish.WithMiddleware(s.consoleMiddleware, s.recoverMiddleware),
		func(srv *ssh.Server) error {
			srv.AddHostKey(signer)
			// Only "session" channels: direct-tcpip (ssh -L) and anything else is refused.
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{
				"session":      ssh.DefaultSessionHandler,
				"direct-tcpip": s.refuseChannel,
				"default":      s.refuseChannel,
			}
			// No global requests: tcpip-forward (ssh -R) and the rest are answered "no".
			srv.RequestHandlers = map[string]ssh.RequestHandler{"default": s.refuseRequest}
			srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{} // no sftp, nothing
			srv.LocalPortForwardingCallback = nil
			srv.ReversePortForwardingCallback = nil
			srv.PasswordHandler = nil
			srv.KeyboardInteractiveHandler = nil
			srv.ServerConfigCallback = s.serverConfig
			srv.ConnCallback = s.connCallback
			srv.ConnectionFailedCallback = s.connFailed
			return nil
		},
	)
	if err != nil {
		return nil, err
	}
	return &SSHServer{srv: srv, s: s}, nil
}

// sshAlgorithms are the algorithms the server offers, in its order of preference: nothing
// with SHA-1, no NIST curve, no finite-field Diffie-Hellman, no cipher without its own
// authentication (the MACs listed are the encrypt-then-MAC SHA-2 ones, which AEAD ciphers do
// not use: x/crypto would otherwise fill the list with hmac-sha1). Clients prove their key
// with ssh-ed25519 (or an ed25519 security key) or rsa-sha2-512/256; the host key signs with
// the same (offeredHostKey).
func sshAlgorithms() gossh.Algorithms {
	return gossh.Algorithms{
		KeyExchanges: []string{gossh.KeyExchangeMLKEM768X25519, gossh.KeyExchangeCurve25519},
		Ciphers:      []string{gossh.CipherChaCha20Poly1305, gossh.CipherAES256GCM, gossh.CipherAES128GCM},
		MACs:         []string{gossh.HMACSHA512ETM, gossh.HMACSHA256ETM},
		PublicKeyAuths: []string{gossh.KeyAlgoED25519, gossh.KeyAlgoSKED25519,
			gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256},
	}
}

// offeredHostKey restricts the host key to the signatures of sshAlgorithms: an RSA key signs
// with SHA-2 only (never ssh-rsa, SHA-1); an ECDSA (NIST curve) or DSA key is refused.
func offeredHostKey(signer gossh.Signer) (gossh.Signer, error) {
	switch t := signer.PublicKey().Type(); t {
	case gossh.KeyAlgoED25519:
		return signer, nil
	case gossh.KeyAlgoRSA:
		as, ok := signer.(gossh.AlgorithmSigner)
		if !ok {
			return nil, errors.New("this RSA key cannot sign with SHA-2")
		}
		return gossh.NewSignerWithAlgorithms(as, []string{gossh.KeyAlgoRSASHA512, gossh.KeyAlgoRSASHA256})
	default:
		return nil, fmt.Errorf("%s host keys are not offered (only ed25519 and RSA with SHA-2); remove the file to have an ed25519 key created", t)
	}
}

// EnsureHostKey loads the ed25519 host key at path, or creates it (mode 0600, directory
// 0700) when the file does not exist. A key file readable by others is refused, as sshd does.
func EnsureHostKey(path string) (signer gossh.Signer, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("ssh host key: %w", err)
		}
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, false, err
		}
		block, err := gossh.MarshalPrivateKey(priv, "gatehouse host key")
		if err != nil {
			return nil, false, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return EnsureHostKey(path) // another process created it first
		}
		if err != nil {
			return nil, false, fmt.Errorf("ssh host key: %w", err)
		}
		if _, err := f.Write(pem.EncodeToMemory(block)); err != nil {
			f.Close()
			os.Remove(path)
			return nil, false, fmt.Errorf("ssh host key: %w", err)
		}
		if err := f.Close(); err != nil {
			return nil, false, fmt.Errorf("ssh host key: %w", err)
		}
		signer, err := gossh.NewSignerFromKey(priv)
		return signer, true, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("ssh host key: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("ssh host key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, false, fmt.Errorf("ssh host key %s: mode %04o lets others read it; run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	signer, err = gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, false, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	return signer, false, nil
}

// serverConfig is the x/crypto configuration of each connection.
func (s *sshServer) serverConfig(ssh.Context) *gossh.ServerConfig {
	algs := sshAlgorithms()
	return &gossh.ServerConfig{
		Config: gossh.Config{
			KeyExchanges: algs.KeyExchanges,
			Ciphers:      algs.Ciphers,
			MACs:         algs.MACs,
		},
		PublicKeyAuthAlgorithms: algs.PublicKeyAuths,
		MaxAuthTries:            6,
		AuthLogCallback: func(conn gossh.ConnMetadata, method string, err error) {
			// Public keys are logged by publicKeyAuth (with their fingerprint); "none" is every
			// client's first probe. Anything else (password, keyboard-interactive) is refused
			// because no handler exists for it: say so, never what was typed.
			if err != nil && method != "publickey" && method != "none" {
				s.log.Warn("ssh auth refused", "remote", conn.RemoteAddr().String(), "user", safe.Line(conn.User()), "method", method)
			}
		},
	}
}

// connCallback counts connections; beyond twice the session cap (and a margin for the
// handshakes of refused sessions) new TCP connections are closed at once. Once the server
// has closed its connections, a connection accepted just before is closed too.
func (s *sshServer) connCallback(ctx ssh.Context, conn net.Conn) net.Conn {
	limit := int64(2*s.cfg.MaxSessions + 8)
	if n := s.conns.Add(1); n > limit {
		s.conns.Add(-1)
		s.log.Warn("ssh connection refused: too many connections", "remote", conn.RemoteAddr().String(), "open", n-1)
		return nil
	}
	cc := &countedConn{Conn: conn}
	cc.done = func() {
		s.conns.Add(-1)
		s.mu.Lock()
		delete(s.open, cc)
		s.mu.Unlock()
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.conns.Add(-1)
		return nil
	}
	s.open[cc] = struct{}{}
	s.mu.Unlock()
	s.log.Info("ssh connection", "remote", conn.RemoteAddr().String())
	return cc
}

func (s *sshServer) connFailed(conn net.Conn, err error) {
	s.log.Info("ssh handshake failed", "remote", conn.RemoteAddr().String(), "err", err)
}

// countedConn releases its slot once, when closed.
type countedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.done)
	return c.Conn.Close()
}

// publicKeyAuth accepts a key only if it is registered in operator_keys. It does not decide
// who the operator is: the callback also runs for keys offered without proof, so the
// session resolves the operator again from the key that completed authentication.
func (s *sshServer) publicKeyAuth(ctx ssh.Context, key ssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	lctx, cancel := context.WithTimeout(ctx, operatorLookupTimeout)
	defer cancel()
	op, err := s.st.OperatorByKeyFingerprint(lctx, fp)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.log.Warn("ssh auth refused: unknown key", "remote", ctx.RemoteAddr().String(), "user", safe.Line(ctx.User()), "key", fp)
		} else {
			s.log.Error("ssh auth: operator lookup failed", "remote", ctx.RemoteAddr().String(), "key", fp, "err", err)
		}
		return false
	}
	if ctx.Permissions().Extensions == nil {
		ctx.Permissions().Extensions = map[string]string{}
	}
	ctx.Permissions().Extensions[permFingerprint] = fp
	s.log.Debug("ssh key accepted", "remote", ctx.RemoteAddr().String(), "key", fp, "operator", op.Name)
	return true
}

func (s *sshServer) refuseChannel(_ *ssh.Server, conn *gossh.ServerConn, ch gossh.NewChannel, _ ssh.Context) {
	s.log.Warn("ssh channel refused", "remote", conn.RemoteAddr().String(), "type", safe.Line(ch.ChannelType()))
	_ = ch.Reject(gossh.Prohibited, refusalText("", false, "ssh.refused.channel")) // no session: no language known
}

func (s *sshServer) refuseRequest(ctx ssh.Context, _ *ssh.Server, req *gossh.Request) (bool, []byte) {
	s.log.Warn("ssh request refused", "remote", ctx.RemoteAddr().String(), "type", safe.Line(req.Type))
	return false, nil
}

// recoverMiddleware keeps a panic in one session from taking the server down.
func (s *sshServer) recoverMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("ssh session panic", "remote", sess.RemoteAddr().String(), "panic", fmt.Sprint(r))
				_ = sess.Exit(2)
			}
		}()
		next(sess)
	}
}

// refuse ends a session with a message on its error stream and exit status 1: the catalog's
// key, in the client's language when it is known (refusalText).
func refuse(sess ssh.Session, lang string, known bool, key string, args ...any) {
	_, _ = fmt.Fprintf(sess.Stderr(), "%s\n", refusalText(lang, known, key, args...))
	_ = sess.Exit(1)
}

// refusalText is a refusal in the client's language when it is known (the client's
// environment named it, or the server was given one), else in both languages on one line,
// English first: a refused session ends before anyone could ask.
func refusalText(lang string, known bool, key string, args ...any) string {
	if known {
		l := i18n.Lang(lang)
		return i18n.T(l, "ssh.refused", i18n.T(l, key, args...))
	}
	return i18n.T(i18n.EN, "ssh.refused", i18n.T(i18n.EN, key, args...)+" / "+i18n.T(i18n.FR, key, args...))
}

// consoleMiddleware admits a session (a slot under the cap, a shell with a PTY, the operator
// of the proved key) and runs its own console program until it ends.
func (s *sshServer) consoleMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		remote := sess.RemoteAddr().String()
		lang, known := s.sessionLang(sess)
		if !s.admit() {
			s.log.Info("ssh session refused: server shutting down", "remote", remote)
			_, _ = fmt.Fprintf(sess.Stderr(), "%s\n", i18n.T(i18n.Lang(lang), "ssh.shutdown"))
			_ = sess.Exit(1)
			return
		}
		defer s.sessions.Done()
		if !s.acquire() {
			s.log.Warn("ssh session refused: too many sessions", "remote", remote, "max", s.cfg.MaxSessions)
			refuse(sess, lang, known, "ssh.refused.busy", s.cfg.MaxSessions)
			return
		}
		defer s.active.Add(-1)
		if sess.RawCommand() != "" || sess.Subsystem() != "" {
			s.log.Warn("ssh session refused: command", "remote", remote)
			refuse(sess, lang, known, "ssh.refused.command")
			return
		}
		pty, _, hasPty := sess.Pty()
		if !hasPty {
			s.log.Warn("ssh session refused: no terminal", "remote", remote)
			refuse(sess, lang, known, "ssh.refused.terminal")
			return
		}
		op, fp, err := s.operatorOf(sess)
		if err != nil {
			s.log.Warn("ssh session refused: "+err.Error(), "remote", remote, "key", fp)
			switch {
			case errors.Is(err, store.ErrNotFound): // removed since the handshake
				refuse(sess, lang, known, "ssh.refused.unknown_key", fp)
			case errors.Is(err, errUnprovedKey):
				refuse(sess, lang, known, "ssh.refused.denied")
			default:
				refuse(sess, lang, known, "ssh.refused.lookup")
			}
			return
		}
		start := time.Now()
		s.log.Info("ssh session start", "operator", op.Name, "role", string(op.Role), "remote", remote,
			"key", fp, "term", safe.Line(pty.Term), "width", pty.Window.Width, "height", pty.Window.Height)
		// The session's context: cancelled when the console ends or the connection drops, so
		// every query the console started is cancelled with it.
		ctx, cancel := context.WithCancel(sess.Context())
		defer cancel()
		sess = &consoleSession{Session: sess, winch: followWindow(ctx, cancel, sess)}
		var program *tea.Program
		screen := newSSHScreen(sess, time.Second/time.Duration(s.cfg.FPS))
		defer screen.restore() // also when the program ended any other way (killed, panicked)
		console := bubbletea.MiddlewareWithProgramHandler(func(sess ssh.Session) *tea.Program {
			app := NewApp(ctx, s.st, op, Options{Lang: lang, DBLabel: s.cfg.DBLabel}, bubbletea.MakeRenderer(sess))
			// The screen draws the frames: Bubble Tea's own renderer is off (see sshScreen).
			opts := append(bubbletea.MakeOptions(sess),
				tea.WithoutRenderer(), tea.WithContext(ctx), tea.WithoutSignalHandler())
			p := tea.NewProgram(&liveConsole{model: app, screen: screen}, opts...)
			if !s.track(p) {
				return nil // shutting down: the program never starts
			}
			program = p
			return p
		}, termenv.Ascii)
		console(next)(sess)
		if program != nil {
			s.untrack(program)
		}
		screen.restore()
		attrs := []any{"operator", op.Name, "remote", remote, "duration", time.Since(start).Round(time.Millisecond).String()}
		if !s.isClosing() {
			s.log.Info("ssh session end", attrs...)
			return
		}
		// The screen has left the alternate screen and shown the cursor; the line is written
		// below what the client's terminal showed before, and the session ends before
		// Shutdown closes the connection.
		_, _ = fmt.Fprintf(sess, "%s\n", i18n.T(i18n.Lang(lang), "ssh.shutdown"))
		_ = sess.Exit(0)
		s.log.Info("ssh session end", append(attrs, "reason", "server shutdown")...)
	}
}

// consoleSession is the session as the console program sees it: its window changes come from
// followWindow, on a channel that is never closed.
type consoleSession struct {
	ssh.Session
	winch <-chan ssh.Window
}

func (c *consoleSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	pty, _, ok := c.Session.Pty()
	return pty, c.winch, ok
}

// followWindow forwards the session's window changes until the session's channel closes,
// and then ends the console (cancel). The connection may stay open after one of its sessions
// ends (a client multiplexing sessions): without this, the console would keep running, and
// wish's resize loop would spin on the closed channel, a core at 100%.
func followWindow(ctx context.Context, cancel context.CancelFunc, sess ssh.Session) <-chan ssh.Window {
	_, in, _ := sess.Pty()
	out := make(chan ssh.Window, 1)
	go func() {
		defer cancel()
		for {
			select {
			case w, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- w:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// acquire takes a session slot if one is free.
func (s *sshServer) acquire() bool {
	for {
		n := s.active.Load()
		if n >= int64(s.cfg.MaxSessions) {
			return false
		}
		if s.active.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// operatorOf resolves the operator from the key the client proved during the handshake
// (CVE-2024-45337: never from the last key the callback saw). The key must still be
// registered: removing it refuses the next session at once.
func (s *sshServer) operatorOf(sess ssh.Session) (model.Operator, string, error) {
	pk := sess.PublicKey()
	if pk == nil {
		return model.Operator{}, "", fmt.Errorf("%w: no public key", errUnprovedKey)
	}
	fp := gossh.FingerprintSHA256(pk)
	if perms := sess.Permissions().Permissions; perms == nil || perms.Extensions[permFingerprint] != fp {
		return model.Operator{}, fp, fmt.Errorf("%w: key does not match the authenticated one", errUnprovedKey)
	}
	ctx, cancel := context.WithTimeout(sess.Context(), operatorLookupTimeout)
	defer cancel()
	op, err := s.st.OperatorByKeyFingerprint(ctx, fp)
	if err != nil {
		return model.Operator{}, fp, fmt.Errorf("operator lookup: %w", err)
	}
	return op, fp, nil
}

// errUnprovedKey: a session whose key is not the one its handshake proved.
var errUnprovedKey = errors.New("unproved key")

// sessionLang picks the console language from the client's environment (GATEHOUSE_LANG,
// LC_ALL, LC_MESSAGES, LANG when the client sends them), else the server's setting; known
// is false when neither names one (English is then the console's language).
func (s *sshServer) sessionLang(sess ssh.Session) (lang string, known bool) {
	env := map[string]string{}
	for _, kv := range sess.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for _, k := range []string{"GATEHOUSE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := env[k]; v != "" && v != "C" && v != "POSIX" && !strings.HasPrefix(v, "C.") {
			return string(i18n.Parse(v)), true
		}
	}
	if s.cfg.Lang != "" {
		return s.cfg.Lang, true
	}
	return string(i18n.EN), false
}

// liveConsole is the console program of an SSH session: the App, drawn by its sshScreen
// after every message instead of by Bubble Tea's renderer.
type liveConsole struct {
	model  tea.Model
	screen *sshScreen
}

func (l *liveConsole) Init() tea.Cmd { return l.model.Init() }

func (l *liveConsole) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		l.screen.resize(ws.Width, ws.Height)
	}
	var cmd tea.Cmd
	l.model, cmd = l.model.Update(msg)
	return l, cmd
}

// View is called by Bubble Tea after every message (and once before the first): the frame
// is drawn here. The program's renderer is off, so what View returns goes nowhere.
func (l *liveConsole) View() string {
	l.screen.draw(l.model.View())
	return ""
}

// sshScreen draws a session's frames on its terminal, in the alternate screen with the
// cursor hidden. Bubble Tea's renderer draws on a clock: a keystroke waits for the next
// tick (at 30 fps, 17 ms at the median), and every idle session wakes up at each tick to
// compare its frame. sshScreen draws as soon as a message changes the view, redrawing only
// the lines that changed (as Bubble Tea does), and does nothing while nothing changes.
// Frames are at least interval apart: within it, the latest view waits for its end.
type sshScreen struct {
	mu       sync.Mutex
	out      io.Writer
	interval time.Duration

	width, height int
	started       bool      // the alternate screen is entered
	stopped       bool      // the terminal is restored: nothing more is drawn
	view          string    // the latest view
	drawn         string    // the view on the terminal
	lines         []string  // its lines (nil: repaint every line)
	shown         int       // how many lines the terminal shows
	last          time.Time // when the last frame was written
	timer         *time.Timer
	pending       bool // the timer will draw view
	buf           bytes.Buffer
}

func newSSHScreen(out io.Writer, interval time.Duration) *sshScreen {
	return &sshScreen{out: out, interval: interval}
}

// resize takes the terminal's new size: the next frame repaints every line.
func (s *sshScreen) resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.width, s.height = w, h
	s.lines, s.drawn = nil, ""
}

// draw shows view now, or at the end of the current interval.
func (s *sshScreen) draw(view string) {
	if view == "" {
		view = " " // an empty view still clears what was drawn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.view = view
	if s.stopped || s.pending || (view == s.drawn && s.lines != nil) {
		return
	}
	if wait := s.interval - time.Since(s.last); wait > 0 {
		s.pending = true
		s.timer = time.AfterFunc(wait, s.drawPending)
		return
	}
	s.writeFrame()
}

func (s *sshScreen) drawPending() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = false
	if !s.stopped && (s.view != s.drawn || s.lines == nil) {
		s.writeFrame()
	}
}

// writeFrame writes s.view over what the terminal shows, in one write (mu held).
func (s *sshScreen) writeFrame() {
	b := &s.buf
	b.Reset()
	if !s.started {
		s.started = true
		b.WriteString(ansi.SetAltScreenSaveCursorMode + ansi.EraseEntireScreen + ansi.CursorHomePosition +
			ansi.HideCursor + ansi.SetBracketedPasteMode)
	}
	b.WriteString(ansi.CursorHomePosition)
	lines := strings.Split(s.view, "\n")
	if s.height > 0 && len(lines) > s.height {
		lines = lines[len(lines)-s.height:]
	}
	for i, line := range lines {
		if i < len(s.lines) && s.lines[i] == line {
			if i < len(lines)-1 {
				b.WriteByte('\n') // unchanged: the cursor moves down
			}
			continue
		}
		if s.width > 0 {
			line = ansi.Truncate(line, s.width, "") // a wrapped line would shift the rest
		}
		b.WriteString(line)
		if ansi.StringWidth(line) < s.width {
			b.WriteString(ansi.EraseLineRight)
		}
		if i < len(lines)-1 {
			b.WriteString("\r\n")
		}
	}
	if s.shown > len(lines) {
		b.WriteString(ansi.EraseScreenBelow)
	}
	b.WriteString(ansi.CursorPosition(0, len(lines)))
	s.drawn, s.lines, s.shown, s.last = s.view, lines, len(lines), time.Now()
	_, _ = s.out.Write(b.Bytes())
}

// restore leaves the terminal as the session found it: bracketed paste off, the alternate
// screen left, the cursor shown. Nothing is drawn afterwards.
func (s *sshScreen) restore() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.started {
		_, _ = io.WriteString(s.out, ansi.EraseEntireLine+"\r"+ansi.ResetBracketedPasteMode+ansi.ShowCursor+
			ansi.ResetAltScreenSaveCursorMode+ansi.ShowCursor)
	}
}
