package record

import (
	"fmt"
	"strconv"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// identityColumns is the select-list that every probe statement carries, so
// the identity of the server that answered comes back in the probe's own
// round trip. pg_control_system() needs a privilege that not every role has;
// whether to ask for it is decided once per endpoint at start.
func identityColumns(withSystemID bool) string {
	cols := "host(inet_server_addr()), inet_server_port(), pg_postmaster_start_time(), pg_is_in_recovery()"
	if withSystemID {
		cols += ", (SELECT system_identifier::text FROM pg_control_system())"
	} else {
		cols += ", NULL::text"
	}
	return cols
}

// identity receives the identity columns.
type identity struct {
	addr       *string
	port       *int32
	started    *time.Time
	inRecovery *bool
	systemID   *string
}

func (id *identity) dest() []any {
	return []any{&id.addr, &id.port, &id.started, &id.inRecovery, &id.systemID}
}

func (id *identity) fill(p *store.Probe) {
	switch {
	case id.addr != nil && id.port != nil:
		p.ServerAddr = *id.addr + ":" + strconv.Itoa(int(*id.port))
	case id.port != nil: // a Unix-socket connection has no server address
		p.ServerAddr = fmt.Sprintf("local:%d", *id.port)
	}
	if id.started != nil {
		p.ServerStart = id.started.UnixNano()
	}
	if id.inRecovery != nil {
		v := *id.inRecovery
		p.InRecovery = &v
	}
	if id.systemID != nil {
		p.SystemID = *id.systemID
	}
}
