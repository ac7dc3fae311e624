package record

import (
	"fmt"
	"strconv"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// identityColumns is the select-list that every probe statement carries, so
// the identity of the server that answered, its clock and its timeline come
// back in the probe's own round trip. pg_control_system() and
// pg_control_checkpoint() need a privilege that not every role has (the
// pg_monitor role or superuser); whether to ask for them is decided once
// per endpoint, on the first connection that works (see ensure).
//
// # The timeline
//
// A timeline change is a promotion seen from the server itself, the third
// signal beside the identity and pg_is_in_recovery(). Which timeline to
// read depends on what the server is, and is decided in the same statement
// (CASE evaluates only the branch it takes):
//
//   - On a primary, the timeline of its current WAL file:
//     pg_walfile_name(pg_current_wal_lsn()), whose first 8 hex digits are
//     the timeline WAL is being written on (CloudNativePG's failover tests
//     read it so). It is the new timeline from the first answer after a
//     promotion: the server sets its insert timeline before it leaves
//     recovery, so once pg_is_in_recovery() is false it is right. The
//     control file's checkpoint timeline (pg_control_checkpoint()) is not:
//     since PostgreSQL 15 a promotion writes an end-of-recovery record and
//     leaves the checkpoint to the background, so timeline_id still names
//     the old timeline until that checkpoint is done (at once on an idle
//     server, as long as the checkpoint takes on a busy one).
//     TestTimelineAcrossPromotion checks the WAL file's timeline on the
//     first answer after a real promotion, and logs the checkpoint's.
//   - On a standby pg_walfile_name() and pg_current_wal_lsn() are not
//     allowed. It reads the timeline it receives (received_tli of
//     pg_stat_wal_receiver, which follows its upstream onto a new timeline
//     as soon as it streams from it), and without a WAL receiver (upstream
//     gone, archive recovery) the timeline of its last restartpoint
//     (pg_control_checkpoint()), which may lag the same way. Both need
//     pg_monitor (pg_read_all_stats for the view: without it its columns
//     read NULL); without it a standby's timeline is NULL.
//
// A promotion between pg_is_in_recovery() and the branch cannot fail the
// statement: a server that was in recovery has the standby branch, which
// works on a primary too.
func identityColumns(st prep) string {
	cols := "host(inet_server_addr()), inet_server_port(), pg_postmaster_start_time(), pg_is_in_recovery()"
	if st.systemID {
		cols += ", (SELECT system_identifier::text FROM pg_control_system())"
	} else {
		cols += ", NULL::text"
	}
	cols += ", clock_timestamp()"
	standby := "(SELECT received_tli::bigint FROM pg_stat_wal_receiver)"
	if st.checkpoint {
		standby = "coalesce(" + standby + ", (SELECT timeline_id::bigint FROM pg_control_checkpoint()))"
	}
	cols += ", CASE WHEN pg_is_in_recovery() THEN " + standby +
		" ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint END"
	return cols
}

// identity receives the identity columns.
type identity struct {
	addr       *string
	port       *int32
	started    *time.Time
	inRecovery *bool
	systemID   *string
	serverTime *time.Time
	timeline   *int64
}

func (id *identity) dest() []any {
	return []any{&id.addr, &id.port, &id.started, &id.inRecovery, &id.systemID, &id.serverTime, &id.timeline}
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
	if id.serverTime != nil {
		p.ServerTime = id.serverTime.UnixNano()
	}
	if id.timeline != nil {
		p.Timeline = *id.timeline
	}
}
