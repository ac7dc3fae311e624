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
// that the lab or a provider names as (a step of) a switchover or failover:
// every step of a lab scenario, and the AWS switchover_started and
// failover_started. The analyzer takes the first of them as the trigger
// when no event is marked as one and there is no --switchover command.
func NamesSwitchover(source, name string) bool {
	return source == SourceLab || name == SwitchoverStarted || name == FailoverStarted
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
