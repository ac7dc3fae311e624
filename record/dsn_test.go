package record

import (
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	cases := []struct{ in, want string }{
		{"host=db user=app password=s3cret dbname=x", "host=db user=app password=xxxxx dbname=x"},
		{"host=db password='with space\\' quote' user=app", "host=db password=xxxxx user=app"},
		{"host=db PASSWORD = s3cret", "host=db PASSWORD = xxxxx"},
		{"postgres://app:s3cret@db:5432/x?sslmode=require", "postgres://app:xxxxx@db:5432/x?sslmode=require"},
		{"postgresql://app@db/x?password=s3cret&sslmode=require", "postgresql://app@db/x?password=xxxxx&sslmode=require"},
		{"host=db user=app", "host=db user=app"},
		// every spelling of the URI scheme
		{"POSTGRES://app:s3cret@db:5432/x", "postgres://app:xxxxx@db:5432/x"},
		{"PostgreSQL://app:s3cret@db/x", "postgresql://app:xxxxx@db/x"},
		{"postgresql://app@db/x?PASSWORD=s3cret", "postgresql://app@db/x?PASSWORD=xxxxx"},
		{" postgres://app:s3cret@db/x", "postgres://app:xxxxx@db/x"},
	}
	for _, c := range cases {
		if got := RedactDSN(c.in); got != c.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseErrorsCarryNoPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://app:topsecretpw@db:notaport/x",
		"host=db password=topsecretpw port=notaport",
		"POSTGRES://app:topsecretpw@db:notaport/x",
		"PostgreSQL://app:topsecretpw@db:notaport/x",
		"postgresql://app@db:notaport/x?Password=topsecretpw",
	} {
		_, err := parseDSN("--write-dsn", dsn, &scrubber{})
		if err == nil {
			t.Fatalf("parseDSN(%q): no error", dsn)
		}
		if strings.Contains(err.Error(), "topsecretpw") || !strings.Contains(err.Error(), "--write-dsn") {
			t.Errorf("parseDSN error %q: want the flag named and no password", err)
		}
	}
}

// TestRedactCommand: a password in a --switchover command, in each form a
// command line carries one, is replaced, and the rest of the command stays
// as written; commandSecrets gives the scrubber the same passwords.
func TestRedactCommand(t *testing.T) {
	cases := []struct{ in, want string }{
		// a URI, in any scheme spelling, quoted or not
		{`psql postgres://app:s3cret-uri@db:5432/x -c 'SELECT 1'`, `psql postgres://app:xxxxx@db:5432/x -c 'SELECT 1'`},
		{`psql "PostgreSQL://app:s3c@ret@db/x?sslmode=require"`, `psql "PostgreSQL://app:xxxxx@db/x?sslmode=require"`},
		{`psql 'postgresql://app@db/x?sslmode=require&password=s3cret-q'`, `psql 'postgresql://app@db/x?sslmode=require&password=xxxxx'`},
		// PGPASSWORD=, as an assignment or exported, quoted or not
		{`PGPASSWORD=s3cret-env psql -h db -c RESUME`, `PGPASSWORD=xxxxx psql -h db -c RESUME`},
		{`export PGPASSWORD="s3 cret"; psql -h db`, `export PGPASSWORD=xxxxx; psql -h db`},
		// password= in a keyword/value DSN, plain or single-quoted, inside double quotes
		{`psql -X "host=db user=admin password=s3cret-kw dbname=pgbouncer" -c PAUSE`, `psql -X "host=db user=admin password=xxxxx dbname=pgbouncer" -c PAUSE`},
		{`psql "host=db password='s3 cret' dbname=x"`, `psql "host=db password=xxxxx dbname=x"`},
		// --password VALUE and --password=VALUE; a bare --password (psql's prompt) stays
		{`tool --password s3cret-flag --host db`, `tool --password xxxxx --host db`},
		{`tool --password='s3cret flag' --host db`, `tool --password=xxxxx --host db`},
		{`psql --password -h db`, `psql --password -h db`},
		// a shell operator ends an unquoted password
		{`export PGPASSWORD=s3cret-op; psql -h db && PGPASSWORD=s3cret-and|cat`, `export PGPASSWORD=xxxxx; psql -h db && PGPASSWORD=xxxxx|cat`},
		// nothing to redact
		{`patronictl -c /etc/patroni.yml switchover --force`, `patronictl -c /etc/patroni.yml switchover --force`},
	}
	for _, c := range cases {
		if got := RedactCommand(c.in); got != c.want {
			t.Errorf("RedactCommand(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
		sc := &scrubber{}
		sc.add(commandSecrets(c.in))
		if got := sc.scrub(c.in); strings.Contains(got, "s3") {
			t.Errorf("scrubbed of commandSecrets(%q) = %q: a password is left", c.in, got)
		}
	}
}
