package store

// MailWatchFrom is a look for delivery failures that stands at after, looking again at the
// pending e-mails given (tests start a look anywhere).
func MailWatchFrom(after int64, pending []int64) MailWatch {
	return MailWatch{started: true, after: after, pending: pending}
}
