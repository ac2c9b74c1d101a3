package mail

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// The language tables of the reply trimmer: how mail clients introduce
// the history they append (attribution lines such as "On … wrote:",
// forwarded-message markers, header blocks) and the one-line signatures
// of mobile clients. They follow the patterns of Discourse's
// email_reply_trimmer, whose fixtures are our conformance oracle, written
// for Go's linear-time regexp engine, plus languages it lacks (Russian,
// Ukrainian, Polish, Czech, Turkish, Finnish, Danish, Japanese, Korean and
// traditional Chinese headers). Each table entry names its language so a
// missing client can be added where it belongs.

// onDateWrote match a whole "On <date>, <someone> wrote:" line in the
// languages that put the date first. Matching is case-insensitive where
// clients write the words in different cases. They are tried first when
// joining wrapped lines, as Discourse does.
var onDateWrote = compileAll(
	// Chinese: 在 2016年1月1日 … 写道：
	`(?i)^[[:blank:]<>-]*在 .+?写道[[:blank:].:：>-]*$`,
	// Dutch: Op 24 aug. 2013 om 16:48 heeft X het volgende geschreven:
	`(?i)^[[:blank:]<>-]*Op .+?(het\svolgende\sgeschreven|schreef[^:]+)[[:blank:].:>-]*$`,
	// English
	`(?i)^[[:blank:]<>-]*In message .+?writes[[:blank:].:>-]*$`,
	`(?i)^[[:blank:]<>-]*(On|At) .+?(wrote|writes|says|said)[[:blank:].:>-]*$`,
	// French: Le 4 janv. 2016 19:03, "X" <x@y> a écrit :
	`(?i)^[[:blank:]<>-]*Le .+?(nous\sa\sdit|a\s+écrit)[[:blank:].:>-]*$`,
	// German: Am 18.09.2013 um 16:24 schrieb X:
	`(?i)^[[:blank:]<>-]*Am .+?schrieben\sSie[[:blank:].:>-]*$`,
	`(?i)^[[:blank:]<>-]*Am .+?(geschrieben|schrieb[^:]+)[[:blank:].:>-]*$`,
	// Italian: Il giorno … ha scritto:
	`(?i)^[[:blank:]<>-]*Il .+?ha\sscritto[[:blank:].:>-]*$`,
	// Polish and Slovak: Dnia 14 lip 2015 o godz. 00:25 X napisał(a):
	`(?i)^[[:blank:]<>-]*(Dnia|Dňa) .+?napisał(\(a\))?[[:blank:].:>-]*$`,
	// Portuguese: Em seg, 27 de jul de 2015 17:13, X escreveu:
	`(?i)^[[:blank:]<>-]*Em .+?escreveu[[:blank:].:>-]*$`,
	// Spanish: El jueves, 21 de noviembre de 2013, X escribió:
	`(?i)^[[:blank:]<>-]*El .+?escribió[[:blank:].:>-]*$`,
)

// otherAttributions match the other forms of attribution lines.
var otherAttributions = compileAll(slices.Concat(wrappableOther, senderFirst, singleLineOther)...)

// wrappableOther are the other attribution forms that clients wrap over
// lines. Each begins with something of its own (a word, a year) rather
// than with any text, so that the customer's last line of text joined to
// the attribution below it cannot pass for a wrapped attribution.
var wrappableOther = []string{
	// Dutch, German, Norwegian, Danish, Swedish: "Am … schrieb X:",
	// "Den 15. jun. 2016 kl. 20.42 skrev X:", "søn. 30. apr. 2017 … skrev X:".
	`^[[:blank:]>]*(Op|Am|Den|søn\.)\s.+\s(schreef|schrieb|skrev)\s[^:]+:`,
	// Russian, Polish, Ukrainian: a date, the sender, then the verb.
	`\d{4}.{1,80}пользователь.{0,80}?написал:`,
	`\d{4}.{1,80}?(napisał\(a\)|пише):`,
	// Gmail in many languages: "2015-10-18 0:17 GMT+03:00 X <x@y>:",
	// "вт, 5 янв. 2016 г. в 23:39, X <x@y>:", "2016年1月1日(金) 10:00 X <x@y>:".
	`\d{4}.{1,80}\s?<[^@<>]+@[^@<>.]+\.[^@<>]+>:?$`,
	// 2016-03-03 17:21 GMT+01:00 Some One
	`^[[:blank:]>]*20\d\d-\d\d-\d\d \d\d:\d\d GMT\+\d\d:\d\d [\w[:blank:]]+$`,
	// Other languages, when the line carries a date or an address: Finnish,
	// Turkish, Czech, Slovak, Russian, Ukrainian, Swedish, Japanese, Korean,
	// traditional Chinese.
	`(?i)^[^>]*[\d@].*\s(kirjoitti|yazdı|napsal\(a\)|napísal\(a\)|написал\(а\)|написал|написав\(ла\)|написав|пише|skrev|寫道|写道|のメッセージ|님이 작성)[[:blank:]]*[:：][[:blank:]]*$`,
}

// senderFirst are the forms that begin with the sender and wrap after
// the verb ("X <x@y> schrieb am Fr., 28.\nApr. 2017 um 11:53 Uhr:"): they
// are joined only to a first line that holds the verb.
var senderFirst = []string{
	// English and German: "X <x@y> wrote on …:"
	`^.+\bwrote\b[[:space:]]+\bon\b.+[^:]+:`,
	`^.+\bschrieb\b[[:space:]]+\bam\b.+[^:]+:`,
}

// singleLineOther are the other attribution forms that begin with any text
// ("Some One <x@y> wrote:"): they are matched on one line only.
var singleLineOther = []string{
	// X via Discourse Meta wrote:
	`^.+ via .+ (wrote|schrieb):?[[:blank:]]*$`,
	// Some One <info@example.org> wrote:
	`^.+\b[\w.+-]+@[\w.-]+\.\w{2,}\b.+wrote:?$`,
	// Posted by X on 01/21/2016
	`(?i)^[[:blank:]>]*Posted by .+ on \d{2}/\d{2}/\d{4}$`,
}

// wrapGroup is a table of patterns tried on joined lines, with cheap
// tests of whether the first line may begin, and a string may hold, a
// match at all (nil: any).
type wrapGroup struct {
	res    []*regexp.Regexp
	first  func(string) bool
	joined func(string) bool
}

func (g wrapGroup) mayHold(s string) bool { return g.joined == nil || g.joined(s) }

// wrappedAttributions are the groups tried on joined lines, in order: the
// "On <date> … wrote:" forms first, as Discourse does.
var wrappedAttributions = []wrapGroup{
	{res: onDateWrote, first: onDateOpener.MatchString},
	{res: compileAll(wrappableOther...), joined: mayWrapOther},
	{res: compileAll(senderFirst...), first: attributionVerb.MatchString},
}

// onDateOpener is how every onDateWrote pattern begins.
var onDateOpener = regexp.MustCompile(`(?i)^[\t\p{Zs}<>-]*(在|Op|In message|On|At|Le|Am|Il|Dnia|Dňa|Em|El)\s`)

// wrapOtherWords are the words of wrappableOther; a string without any
// of them can match only the Gmail form, which ends with an address.
var wrapOtherWords = newKeywords(
	"schreef", "schrieb", "skrev", "написал", "napisał", "пише", "gmt+", "kirjoitti",
	"yazdı", "napsal", "napísal", "написав", "寫道", "写道", "のメッセージ", "님이 작성",
)

func mayWrapOther(s string) bool {
	if strings.Contains(s, "@") {
		if t := strings.TrimRightFunc(s, unicode.IsSpace); strings.HasSuffix(t, ">") || strings.HasSuffix(t, ">:") {
			return true
		}
	}
	return wrapOtherWords.in(s)
}

// forwardMarkers start a forwarded or original message that follows.
var forwardMarkers = compileAll(
	// English
	`(?i)^[[:blank:]>]*Begin forwarded message:`,
	`(?i)^[[:blank:]>*]*-{2,}[[:blank:]]*(Forwarded|Original|Reply) Message[[:blank:]]*-{2,}`,
	// French
	`(?i)^[[:blank:]>]*Début du message (transféré|réexpédié) ?:`,
	`(?i)^[[:blank:]>*]*-{2,}[[:blank:]]*(Message transféré|Message d'origine)[[:blank:]]*-{2,}`,
	// German
	`(?i)^[[:blank:]>*]*-{2,}[[:blank:]]*(Ursprüngliche Nachricht|Weitergeleitete Nachricht)[[:blank:]]*-{2,}`,
	// Spanish, Portuguese, Italian, Dutch, Swedish, Polish, Russian
	`(?i)^[[:blank:]>*]*-{2,}[[:blank:]]*(Mensaje original|Mensaje reenviado|Mensagem original|Mensagem encaminhada|Messaggio originale|Messaggio inoltrato|Oorspronkelijk bericht|Doorgestuurd bericht|Ursprungligt meddelande|Vidarebefordrat meddelande|Oryginalna wiadomość|Przekazana wiadomość|Исходное сообщение|Пересылаемое сообщение|Пересланное сообщение)[[:blank:]]*-{2,}`,
	// Chinese and Japanese
	`^[[:blank:]>*]*-{2,}[[:blank:]]*(原始邮件|原始郵件|转发的邮件|轉寄的郵件|元のメッセージ|転送されたメッセージ)[[:blank:]]*-{2,}`,
)

// headerMarkers match one line of the header block that Outlook and
// other clients put above the original: the date fields must carry a
// digit, the others some word.
var headerMarkers = compileAll(
	// Date fields (case as the clients write them): Norwegian, Danish,
	// English, French, German, Portuguese, Spanish, Italian, Dutch,
	// Swedish, Chinese, Polish, Russian, Ukrainian, Japanese, Czech,
	// Finnish, Turkish.
	`^[[:blank:]*]*(?:Sendt|Sent|Date|Le|Gesendet|Enviada em|Enviado|Fecha|Data|Inviato|Datum|Verzonden|Skickat|发送时间|發送時間|傳送時間|日期|Wysłano|Отправлено|Дата|Надіслано|送信日時|Odesláno|Lähetetty|Tarih|Gönderildi)[[:blank:]*]*[:：].*\d+`,
	// Other fields, any case.
	`(?i)^[[:blank:]*]*(?:From|To|Cc|Reply-To|Subject|Fra|Til|Emne|De|Expéditeur|À|Destinataire|Répondre à|Objet|Von|An|Betreff|Para|Assunto|Asunto|Da|Risposta|A|Oggetto|Van|Beantwoorden - Aan|Aan|Onderwerp|Från|Till|Ämne|发件人|收件人|主题|寄件者|收件者|主旨|Od|Do|Temat|От|Кому|Тема|Від|差出人|宛先|件名|Komu|Předmět|Lähettäjä|Vastaanottaja|Aihe|Kimden|Kime|Konu)[[:blank:]*]*[:：].*[\p{L}\p{N}_]`,
)

// mobileSignatures match the one-line signatures mobile and webmail
// clients append ("Sent from my iPhone" and its translations).
var mobileSignatures = compileAll(
	`(?i)^[[:blank:]]*從我的 iPhone 傳送`,
	`(?i)^[[:blank:]]*[[:word:]]+ from mobile`,
	`(?i)^[[:blank:]]*[(<]*Sent (from|via|with|by) .+[)>]*`,
	`(?i)^[[:blank:]]*From my [\w ]{1,20}$`,
	`(?i)^[[:blank:]]*Get Outlook for `,
	`(?i)^[[:blank:]]*Envoyé depuis (mon|Yahoo Mail)`,
	`(?i)^[[:blank:]]*Von meinem .+ gesendet`,
	`(?i)^[[:blank:]]*Diese Nachricht wurde von .+ gesendet`,
	`(?i)^[[:blank:]]*Inviato da `,
	`(?i)^[[:blank:]]*Sendt fra min `,
	`(?i)^[[:blank:]]*Enviado do meu `,
	`(?i)^[[:blank:]]*Enviado desde mi `,
	`(?i)^[[:blank:]]*Verzonden met `,
	`(?i)^[[:blank:]]*Verstuurd vanaf mijn `,
	`(?i)^[[:blank:]]*från min `,
	`(?i)^[[:blank:]]*Skickat från min `,
	`(?i)^[[:blank:]]*Wysłane z (mojego|aplikacji) `,
	`(?i)^[[:blank:]]*Отправлено с (моего )?`,
	`^[[:blank:]]*(iPhoneから送信|我的 iPhone 发送|发自我的 ?iPhone)`,
)

// attributionWords are what a joined candidate must contain before the
// attribution patterns are tried: it keeps the trimmer linear on long
// mails, where most lines could never be an attribution.
var attributionWords = newKeywords(
	"wrote", "writes", "says", "said", "schreef", "geschreven", "écrit", "a dit",
	"schrieb", "scritto", "napisa", "escreveu", "escribió", "写道", "寫道", "skrev",
	"написал", "пише", "написав", "kirjoitti", "yazdı", "napsal", "@", "posted by",
	"gmt+", "のメッセージ", "님이 작성",
)

// signatureWords are what a line must contain before the signature
// patterns are tried (lower case, in the first 80 bytes).
var signatureWords = newKeywords(
	"sent ", "from my", "from mobile", "get outlook", "envoyé", "von meinem", "diese nachricht",
	"inviato da", "sendt fra", "enviado", "verzonden", "verstuurd", "från min", "skickat",
	"wysłane", "отправлено", "iphone", "傳送", "发送", "发自", "送信",
)

// maySign reports whether l could be a mobile client's signature.
func maySign(l string) bool {
	if len(l) > 80 {
		l = l[:80]
	}
	return signatureWords.in(l)
}

// attributionOpener and attributionVerb are the words a wrapped
// attribution begins with or holds in its first line; a four-digit year
// is the other sign. Only lines with one of them are joined with the next
// ones.
var (
	attributionOpener = regexp.MustCompile(`(?i)^[[:blank:]<>-]*(On|At|In message|Op|Le|Am|Il|Dnia|Dňa|Em|El|在|Den|søn\.)\s`)
	attributionVerb   = regexp.MustCompile(`(?i)\b(wrote|schrieb)\b`)
)

// attributions are all attribution patterns, onDateWrote first.
var attributions = append(append([]*regexp.Regexp{}, onDateWrote...), otherAttributions...)

// unicodeBlanks widens the POSIX classes to Unicode spaces, as Ruby's
// do: French clients write a no-break space before the colon.
var unicodeBlanks = strings.NewReplacer(`[:blank:]`, `\t\p{Zs}`, `[:space:]`, `\s\p{Zs}`)

// mayStartAttribution reports whether l could be the first line of a
// wrapped attribution. Wrapped attributions carry a date, so a line
// without a digit is passed over before any pattern is tried.
func mayStartAttribution(l string) bool {
	return strings.ContainsAny(l, "0123456789") &&
		(hasDigits(l, 4) || attributionOpener.MatchString(l) || attributionVerb.MatchString(l))
}

// hasDigits reports whether l holds a run of at least n ASCII digits.
func hasDigits(l string, n int) bool {
	run := 0
	for i := 0; i < len(l); i++ {
		if l[i] >= '0' && l[i] <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// compileAll compiles the patterns of a table into one alternation (each
// keeps its own flags), which matches a line in one pass instead of one
// per pattern.
func compileAll(exprs ...string) []*regexp.Regexp {
	groups := make([]string, len(exprs))
	for i, e := range exprs {
		groups[i] = "(?:" + unicodeBlanks.Replace(e) + ")"
	}
	return []*regexp.Regexp{regexp.MustCompile(strings.Join(groups, "|"))}
}

func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// mayAttribute reports whether s contains a word without which no
// attribution pattern can match.
func mayAttribute(s string) bool { return attributionWords.in(s) }
