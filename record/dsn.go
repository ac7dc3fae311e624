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
