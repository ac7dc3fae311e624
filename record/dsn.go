package record

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Redacted is what a password is replaced with wherever a DSN or an error
// message is shown or stored.
const Redacted = "xxxxx"

// keywordPassword matches password=... in a keyword/value connection string,
// quoted ('...' with \' escapes) or not.
var keywordPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)`)

// RedactDSN returns dsn with every password replaced by Redacted, in both
// the URI form (user:password@host, ?password=) and the keyword form
// (password=...). It is used for everything that leaves the process.
func RedactDSN(dsn string) string {
	if isURI(dsn) {
		dsn = strings.TrimSpace(dsn)
		u, err := url.Parse(dsn)
		if err != nil {
			// Not a URI we can take apart: keep only the scheme.
			return strings.SplitN(dsn, "://", 2)[0] + "://" + Redacted
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), Redacted)
		}
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") {
				q.Set(k, Redacted)
				u.RawQuery = q.Encode()
			}
		}
		return u.String()
	}
	return keywordPassword.ReplaceAllString(dsn, "${1}"+Redacted)
}

// isURI reports whether dsn is in the URI form: a scheme and "://", in any
// case (POSTGRES://, PostgreSQL://). Anything else with "://" is treated
// as a URI too, so that no spelling slips past as keyword/value text with
// its user:password@ intact.
func isURI(dsn string) bool {
	scheme, _, ok := strings.Cut(strings.TrimSpace(dsn), "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, " =\t")
}

// A password in a command line (--switchover) is written in one of these
// forms, each a prefix then a value: a shell word, quoted or not, or a
// single-quoted libpq value inside a double-quoted DSN.
var commandPasswords = func() []*regexp.Regexp {
	// an unquoted word ends at a blank or a shell operator (; & | < > ( ) `)
	const word = `[^\s'"\\;&|<>()` + "`" + `]`
	const value = `('[^']*'|"(?:[^"\\]|\\.)*"|(?:\\.|` + word + `)+)`
	return []*regexp.Regexp{
		// a URI's user:password@ (postgres://u:pw@h/db, any scheme)
		// (the last @ before the host, as url.Parse takes it)
		regexp.MustCompile(`(?i)(\b[a-z][a-z0-9+.-]*://[^\s:/@'"]*:)([^\s/?#'";&|<>()]+)@`),
		// a URI's ?password= or &password=
		regexp.MustCompile(`(?i)([?&]password=)([^&#\s'";|<>()]+)`),
		// PGPASSWORD=..., password=... (keyword/value DSN), --password=...
		regexp.MustCompile(`(?i)(\bPGPASSWORD\s*=\s*|\bpassword\s*=\s*)` + value),
		// --password VALUE (not a next flag: psql's --password only prompts)
		regexp.MustCompile(`(?i)(--password\s+)('[^']*'|"(?:[^"\\]|\\.)*"|(?:\\.|[^-\s'"\\;&|<>()` + "`" + `])(?:\\.|` + word + `)*)`),
	}
}()

// RedactCommand returns a command line (--switchover) with every password
// it carries replaced by Redacted: in a URI (postgres://u:pw@h,
// ?password=), a keyword/value DSN (password=...), PGPASSWORD=... and
// --password=... or --password VALUE. It is applied wherever a command line
// is stored (run.json, events.jsonl) or shown; commandSecrets gives the same
// passwords to a scrubber for the command's output and errors.
func RedactCommand(cmd string) string {
	for _, re := range commandPasswords {
		var b strings.Builder
		last := 0
		for _, m := range re.FindAllStringSubmatchIndex(cmd, -1) {
			// the value is group 2: keep the prefix and what follows
			b.WriteString(cmd[last:m[4]])
			b.WriteString(Redacted)
			last = m[5]
		}
		b.WriteString(cmd[last:])
		cmd = b.String()
	}
	return cmd
}

// commandSecrets lists the passwords RedactCommand removes from cmd, as
// written and unquoted, for a scrubber.
func commandSecrets(cmd string) []string {
	var s []string
	for _, re := range commandPasswords {
		for _, m := range re.FindAllStringSubmatch(cmd, -1) {
			v := m[2]
			s = append(s, v)
			if u := strings.Trim(v, `'"`); u != v {
				s = append(s, u)
			}
			if u, err := url.QueryUnescape(v); err == nil && u != v {
				s = append(s, u)
			}
		}
	}
	return keepSecrets(s)
}

// keepSecrets drops what is too short to scrub: shorter strings would
// garble messages, and are no secret.
func keepSecrets(s []string) []string {
	out := s[:0]
	for _, p := range s {
		if len(p) >= 3 {
			out = append(out, p)
		}
	}
	return out
}

// secrets collects the passwords a DSN can carry, so that error messages
// (which may quote parts of a DSN) can be scrubbed of them.
func secrets(dsn string, cfg *pgx.ConnConfig) []string {
	var s []string
	add := func(p string) {
		p = strings.Trim(p, "'")
		if len(p) >= 3 { // shorter strings would garble messages, and are no secret
			s = append(s, p)
		}
	}
	if cfg != nil {
		add(cfg.Password) // from the DSN, PGPASSWORD or ~/.pgpass
	}
	for _, m := range keywordPassword.FindAllStringSubmatch(dsn, -1) {
		add(m[2])
	}
	if u, err := url.Parse(strings.TrimSpace(dsn)); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
			add(url.QueryEscape(p))
		}
		for k, vs := range u.Query() {
			if strings.EqualFold(k, "password") {
				for _, v := range vs {
					add(v)
					add(url.QueryEscape(v))
				}
			}
		}
	} else if _, rest, ok := strings.Cut(dsn, "://"); ok {
		// A URI that does not parse may still carry user:password@.
		if at := strings.LastIndex(rest, "@"); at > 0 {
			if _, p, ok := strings.Cut(rest[:at], ":"); ok {
				add(p)
			}
		}
	}
	add(os.Getenv("PGPASSWORD"))
	return s
}

// scrubber replaces known secrets in text.
type scrubber struct{ secrets []string }

func (s *scrubber) add(more []string) { s.secrets = append(s.secrets, more...) }

func (s *scrubber) scrub(text string) string {
	if s == nil {
		return text
	}
	for _, p := range s.secrets {
		text = strings.ReplaceAll(text, p, Redacted)
	}
	return text
}

// parseDSN parses a libpq-style DSN the way pgx does (PG* environment
// variables, ~/.pgpass and service files fill what the string leaves out).
// A parse error is scrubbed of the DSN's password before it is returned.
func parseDSN(flagName, dsn string, sc *scrubber) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	sc.add(secrets(dsn, cfg))
	if err != nil {
		return nil, fmt.Errorf("parse %s %q: %s", flagName, RedactDSN(dsn), sc.scrub(err.Error()))
	}
	return cfg, nil
}
