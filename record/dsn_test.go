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
