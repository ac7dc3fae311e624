package event

import "testing"

// TestNames: a user's label and an AWS message become names for matching;
// a label with nothing to name it after is a mark, as names.go says.
func TestNames(t *testing.T) {
	for label, want := range map[string]string{
		"Patroni switchover started": "patroni_switchover_started",
		"  change window -- opened ": "change_window_opened",
		"!!!":                        Mark,
		"":                           Mark,
	} {
		if got := UserName(label); got != want {
			t.Errorf("UserName(%q) = %q, want %q", label, got, want)
		}
	}
	for msg, want := range map[string]string{
		"Blue/green switchover started": SwitchoverStarted,
		"Multi-AZ failover completed.":  FailoverCompleted,
		"DB instance restarted":         "db_instance_restarted",
		"...":                           "event",
	} {
		if got := AWSName(msg); got != want {
			t.Errorf("AWSName(%q) = %q, want %q", msg, got, want)
		}
	}
}
