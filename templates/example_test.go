package templates_test

import (
	"fmt"
	"strings"

	"helpdesk/core"
	"helpdesk/templates"
)

// Render gives the two parts of a mail. Customer values show up literally
// in both: as typed in the text part, escaped in the HTML part.
func ExampleRender() {
	text, html, err := templates.Render(core.TemplateAck, core.Notice{
		Number:  1042,
		Subject: "Checkout page is blank",
		Name:    "Ann",
		Text:    "Since this morning the page is **blank**.\n<script>alert(1)</script>",
		Ref:     "T1042-K3F9A2C1",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(text)
	fmt.Println(strings.Contains(html, "&lt;script&gt;"), strings.Contains(html, "<strong>"))
	// Output:
	// Hello Ann,
	//
	// We have received your request and opened ticket #1042 for it:
	// Checkout page is blank
	//
	// You wrote:
	//
	// > Since this morning the page is **blank**.
	// > <script>alert(1)</script>
	//
	// You can simply reply to this mail to add information to the ticket.
	// Please keep the ticket number in the subject.
	//
	// Kind regards,
	// The support team
	//
	// ---
	//
	// Ref: T1042-K3F9A2C1
	// This is an automatic message.
	// true false
}
