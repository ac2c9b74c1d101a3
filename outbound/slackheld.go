package outbound

import (
	"fmt"

	"github.com/slack-go/slack"

	"helpdesk/core"
)

// heldBlocks show a mail held by the unknown-sender policy (docs/rules.md
// §1) with its Accept and Reject buttons, which carry the quarantine id.
func heldBlocks(n core.SlackNotice) []slack.Block {
	value := fmt.Sprint(n.Held)
	button := func(id, label, style string) *slack.ButtonBlockElement {
		b := slack.NewButtonBlockElement(id, value, slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
		b.Style = slack.Style(style)
		return b
	}
	return []slack.Block{
		slack.NewSectionBlock(mrkdwn(cutEscaped(noticeText(n), sectionLimit)), nil, nil),
		slack.NewActionBlock(fmt.Sprintf("held_%d", n.Held),
			button(core.SlackActionAcceptHeld, "Accept", "primary"),
			button(core.SlackActionRejectHeld, "Reject", "danger")),
	}
}
