package model

// Action is one change an operator can make through gatehouse. Reading is not an action:
// every role reads what its scope holds. Operator.May decides, from the role and the
// session's read-only flag, which actions exist in a session; the console enables its keys
// from it and the store refuses a read-only operator's every change whatever the screen did.
type Action int

// The actions, from what the screens and the store offer.
const (
	ActionUnlock              Action = iota + 1 // end an account's lock (its failure counter with it)
	ActionResetFailures                         // clear the failure counter of an account that is not locked
	ActionDisable                               // disable an account
	ActionEnable                                // enable a disabled account
	ActionDelete                                // delete an account
	ActionSetPassword                           // set a chosen password
	ActionTempPassword                          // generate a temporary password, shown once
	ActionSendReset                             // e-mail a password-reset link
	ActionSendLoginCode                         // e-mail the account's login code
	ActionResetTOTP                             // remove the two-factor enrolment
	ActionEditProfile                           // change the name
	ActionEditEmail                             // change the e-mail address
	ActionEditMemberships                       // change the rights held in each organization
	ActionEndSessions                           // end one or every open portal session
	ActionInvite                                // invite a person into an organization
	ActionResendInvitation                      // send an invitation again with a new link
	ActionRevokeInvitation                      // revoke an open invitation
	ActionExtendInvitation                      // extend an invitation's validity
	ActionManageOrganizations                   // add organizations
	ActionManageRights                          // add and remove entries of the rights catalog
	ActionManageOperators                       // add and remove operators and their SSH keys
	ActionSetPolicies                           // change the lockout and session policies
	ActionPruneEvents                           // prune the authentication log
	ActionRebuildSearch                         // rebuild the search blocks
	ActionRetryMail                             // make a pending or failed outbox e-mail due again
	ActionCancelMail                            // cancel a pending outbox e-mail
	ActionReplaceIdentifier                     // invite a new e-mail with an account's rights, deleting the account on acceptance
	ActionUndelete                              // bring back a recently deleted account
	actionEnd
)

var actionNames = [...]string{
	ActionUnlock: "unlock", ActionResetFailures: "reset-failures", ActionDisable: "disable",
	ActionEnable: "enable", ActionDelete: "delete", ActionSetPassword: "set-password",
	ActionTempPassword: "temp-password", ActionSendReset: "send-reset", ActionSendLoginCode: "send-login-code",
	ActionResetTOTP: "reset-totp", ActionEditProfile: "edit-profile", ActionEditEmail: "edit-email",
	ActionEditMemberships: "edit-memberships", ActionEndSessions: "end-sessions", ActionInvite: "invite",
	ActionResendInvitation: "resend-invitation", ActionRevokeInvitation: "revoke-invitation",
	ActionExtendInvitation: "extend-invitation", ActionManageOrganizations: "manage-organizations",
	ActionManageRights: "manage-rights", ActionManageOperators: "manage-operators",
	ActionSetPolicies: "set-policies", ActionPruneEvents: "prune-events", ActionRebuildSearch: "rebuild-search",
	ActionRetryMail: "retry-mail", ActionCancelMail: "cancel-mail",
	ActionReplaceIdentifier: "replace-identifier", ActionUndelete: "undelete",
}

// Actions lists every action, in declaration order.
func Actions() []Action {
	out := make([]Action, 0, int(actionEnd)-1)
	for a := ActionUnlock; a < actionEnd; a++ {
		out = append(out, a)
	}
	return out
}

// Valid reports whether a is a declared action.
func (a Action) Valid() bool { return a >= ActionUnlock && a < actionEnd }

// String names the action ("unlock", "send-reset"…).
func (a Action) String() string {
	if !a.Valid() {
		return "unknown"
	}
	return actionNames[a]
}

// Reasons May gives for a refusal: keys of the message catalog (model/i18n), so a screen can
// say why an action is not offered, in the session's language.
const (
	ReasonReadOnly    = "policy.readonly"     // the session was opened read-only
	ReasonOncall      = "policy.oncall"       // on-call operators only unlock and reset counters
	ReasonSupportOnly = "policy.support.only" // a support operator's action
	ReasonRole        = "policy.role"         // not a known role, or an unknown action
)

// supportOnly are the actions no admin holds, even within their organizations: the e-mail
// address (the account's identity across organizations), bringing back a deleted account
// (its identifiers may have been given to someone else meanwhile), the installation itself and
// its outbox (what the mailer sends, whoever queued it).
func (a Action) supportOnly() bool {
	switch a {
	case ActionEditEmail, ActionManageOrganizations, ActionManageRights, ActionManageOperators,
		ActionSetPolicies, ActionPruneEvents, ActionRebuildSearch, ActionRetryMail, ActionCancelMail,
		ActionUndelete:
		return true
	}
	return false
}

// May reports whether the action exists in this operator's session and, when it does not,
// why (a message-catalog key). The role and the read-only flag are decided separately:
// support may do everything; admin everything but the support-only actions (and only within
// their organizations: that is the store's check, target by target); oncall reads everything
// and may only unlock and reset failure counters. A read-only session removes every action
// for every role, oncall's unlock included.
func (o Operator) May(a Action) (ok bool, reason string) {
	if !a.Valid() {
		return false, ReasonRole
	}
	if o.ReadOnly {
		return false, ReasonReadOnly
	}
	switch o.Role {
	case RoleSupport:
		return true, ""
	case RoleAdmin:
		if a.supportOnly() {
			return false, ReasonSupportOnly
		}
		return true, ""
	case RoleOncall:
		if a == ActionUnlock || a == ActionResetFailures {
			return true, ""
		}
		return false, ReasonOncall
	}
	return false, ReasonRole
}

// Allows is May without the reason.
func (o Operator) Allows(a Action) bool {
	ok, _ := o.May(a)
	return ok
}
