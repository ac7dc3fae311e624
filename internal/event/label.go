package event

import "strings"

// AttrTrigger, set to "true" in an event's Attrs, marks the event as the
// trigger: the moment the switchover was asked for, which the analyzer's
// event_to_* metrics count from. "switchwatch mark --trigger" sets it on a
// mark, the recorder on its --switchover command's event; any other mark is
// an annotation ("change window opened") and never the trigger.
const AttrTrigger = "trigger"

// IsTrigger reports whether an event with these Attrs is marked as the
// trigger (AttrTrigger).
func IsTrigger(attrs map[string]string) bool { return attrs[AttrTrigger] == "true" }

// NamesSwitchover reports whether an event of this source and name is one
// that the lab, a provider or a server names as (a step of) a switchover or
// failover: every step of a lab scenario, the AWS switchover_started and
// failover_started, and a server's "received promote request"
// (PGPromoteRequested: pg_promote or pg_ctl promote, which the lab sends as
// green_promoted's promote_sent and Patroni sends at a switchover or
// failover: the one line of a server's log that says a standby was asked
// to take over). The analyzer takes the first of them as the trigger when
// no event is marked as one and there is no --switchover command.
func NamesSwitchover(source, name string) bool {
	return source == SourceLab || name == SwitchoverStarted || name == FailoverStarted ||
		name == PGPromoteRequested && source == SourcePostgreSQL
}

// FromServerLog reports whether an event of this source was read from a
// PostgreSQL or PgBouncer log. Such an event says what one server did (a
// shutdown, a reload, a burst of read-only errors), which is no trigger:
// apart from a promote request (NamesSwitchover) it never becomes the run's
// trigger by being the first event, so that a post-mortem from traces and
// logs alone counts event_to_* from the promotion, or from nothing.
func FromServerLog(source string) bool {
	return source == SourcePostgreSQL || source == SourcePgBouncer
}

// Label is an event's label as its source wrote it, for people: the
// message of a user's annotation (a CSV label, "switchwatch mark") or of an
// AWS event, whose name is made from it for matching (--trigger, lab
// truth); else the name, which the source wrote itself (events.jsonl, the
// lab).
func Label(source, name, message string) string {
	if (source == SourceUser || source == SourceAWS) && message != "" {
		return message
	}
	return name
}

// UserName is the name of a user's annotation labelled label (a CSV of
// annotations, "switchwatch mark"): the label in lower case, words joined
// by _; Mark when it has no letter or digit to name it after.
func UserName(label string) string {
	if name := snake(label); name != "" {
		return name
	}
	return Mark
}

// AWSName names an RDS event after its message: the switchover and
// failover steps by fixed names (so --trigger can name them whatever the
// wording), anything else as UserName does.
func AWSName(msg string) string {
	m := strings.ToLower(msg)
	has := strings.Contains
	switch {
	case has(m, "switchover") && has(m, "start"):
		return SwitchoverStarted
	case has(m, "switchover") && has(m, "complet"):
		return SwitchoverCompleted
	case has(m, "failover") && has(m, "start"):
		return FailoverStarted
	case has(m, "failover") && has(m, "complet"):
		return FailoverCompleted
	}
	if name := snake(msg); name != "" {
		return name
	}
	return "event"
}

// snake turns a label into a machine-readable name: lower case, runs of
// anything but letters and digits as one "_", at most 48 bytes; "" when it
// has no letter or digit.
func snake(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
			if b.Len() >= 48 {
				break
			}
			continue
		}
		under = true
	}
	return b.String()
}
