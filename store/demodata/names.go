package demodata

import (
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Deterministic randomness, and the names of people, places and organizations.

// splitmix64 scrambles x (used to derive independent seeds).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// seedRNG is a reseedable generator: one per goroutine, reseeded per entity.
type seedRNG struct {
	pcg rand.PCG
	*rand.Rand
}

func newSeedRNG() *seedRNG {
	r := &seedRNG{}
	r.Rand = rand.New(&r.pcg)
	return r
}

// reset seeds the generator for entity i of the given stream.
func (r *seedRNG) reset(seed int64, stream, i uint64) {
	r.pcg.Seed(splitmix64(uint64(seed)^splitmix64(stream)), splitmix64(i^(stream<<48)))
}

// streams of randomness
const (
	streamOrgs = iota + 1
	streamUserPlan
	streamIdentity
	streamEvents
	streamInvitations
	streamAudit
	streamSpecials
)

// ---------------------------------------------------------------------------------------
// Names

type seedName struct{ disp, ascii string }

type seedLocale struct {
	code        string
	lang        string // the users' preferred UI language ('fr' or 'en')
	weight      float64
	familyFirst bool
	first, last []seedName
	places      []seedName
	orgForms    []string // "display template|ascii template"; {L} last name, {P} place
}

// parseNames reads "display" or "display|ascii" entries.
func parseNames(s string) []seedName {
	var out []seedName
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		d, a, ok := strings.Cut(e, "|")
		if !ok {
			a = d
		}
		out = append(out, seedName{disp: d, ascii: a})
	}
	return out
}

var seedLocales = []*seedLocale{
	{code: "fr", lang: "fr", weight: 34,
		first:  parseNames("Jean, Marie, Hélène, François, Élodie, Stéphane, Amélie, Jérôme, Chloé, Théo, Léa, Benoît, Céline, Gaëlle, Noël, Zoé, Mathéo, Inès, Loïc, Anaïs, Pierre, Camille, Nicolas, Sébastien, Jean-Baptiste, Marie-Claire, Aurélie, Cédric"),
		last:   parseNames("Dupont, Lefèvre, Martin, Bernard, Moreau, Girard, Rousseau, Fontaine, Chevalier, Gauthier, Mercier, Bélanger, Lévesque, Côté, Tremblay, Gagnon, Roy, Bouchard, Lefebvre, Perrin, Faure, Giraud, Brûlé, Desjardins, Dubois, Lemaître"),
		places: parseNames("du Lac, des Alpes, Bellevue, du Port, Saint-Michel, de la Gare, du Centre, Les Tilleuls, Beau Séjour, du Château, des Cévennes, de l'Étoile"),
		orgForms: []string{"Hôtel {P}", "Boulangerie {L}", "Cabinet {L} & Associés", "Transports {L} SARL",
			"Clinique {P}", "Garage {L}", "Pharmacie {P}", "Camping {P}", "Groupe {L}", "{L} & Fils"}},
	{code: "de", lang: "en", weight: 10,
		first:  parseNames("Jürgen, Jörg, Günter, Anna, Lena, Lukas, Felix, Sören, Mia, Björn, Käthe, Maximilian, Sophie, Ursula, Dieter, Hannah, Jonas, Leonie, Matthias, Anke"),
		last:   parseNames("Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, Zimmermann, Krüger, Hartmann, Lange, Weiß"),
		places: parseNames("Zum Löwen, Alpenblick, Seeblick, Am Markt, Sonnenhof, Rheinterrasse"),
		orgForms: []string{"{L} Logistik GmbH", "Bäckerei {L}", "Autohaus {L} KG", "{L} & Söhne GmbH",
			"Hotel {P}", "Praxis Dr. {L}", "Gasthof {P}"}},
	{code: "pl", lang: "en", weight: 8,
		first:    parseNames("Łukasz, Paweł, Małgorzata, Agnieszka, Krzysztof, Tomasz, Katarzyna, Michał, Zofia, Wojciech, Jędrzej, Bożena, Grzegorz, Anna, Piotr, Ewa, Jakub, Magdalena"),
		last:     parseNames("Kowalski, Nowak, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Krawczyk, Piotrowski, Grabowski, Pawłowski"),
		places:   parseNames("Wawel, Pod Różą, Łazienki, Mazury, Bałtyk"),
		orgForms: []string{"{L} Sp. z o.o.", "Piekarnia {L}", "Hotel {P}", "Kancelaria {L}", "Transport {L} S.A."}},
	{code: "es", lang: "en", weight: 8,
		first:    parseNames("José, María, Lucía, Álvaro, Sofía, Martín, Javier, Carmen, Íñigo, Nuria, Pablo, Ana, Sergio, Marta, Raúl, Begoña, Andrés, Elena"),
		last:     parseNames("García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez, Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Núñez, Ibáñez"),
		places:   parseNames("La Giralda, El Mirador, Sol y Mar, Costa Brava, La Alhambra"),
		orgForms: []string{"Hostal {P}", "Transportes {L} S.L.", "Clínica {P}", "Farmacia {L}", "Bodegas {L}"}},
	{code: "en", lang: "en", weight: 12,
		first:    parseNames("James, Olivia, William, Emma, Oliver, Charlotte, Harry, Amelia, George, Isla, Jack, Sophie, Noah, Grace, Thomas, Emily, Liam, Chloe, Aiden, Zoe"),
		last:     parseNames("Smith, Johnson, Williams, Brown, Jones, Taylor, Davies, Evans, Wilson, Thomas, Roberts, Walker, O'Brien, Murphy, Hughes, Clarke, MacDonald, Wright, Green, Baker"),
		places:   parseNames("Harbor View, Riverside, Oakwood, Northwind, Acme, Bluebell"),
		orgForms: []string{"{L} & Partners", "{P} Hotel", "{L} Logistics Ltd", "{P} Corporation", "{P} Dental Care"}},
	{code: "it", lang: "en", weight: 4,
		first:    parseNames("Giulia, Alessandro, Francesca, Lorenzo, Chiara, Matteo, Niccolò, Federica, Giuseppe, Aurora"),
		last:     parseNames("Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo, De Luca, Mancini"),
		places:   parseNames("Bellavista, Miramare, La Pergola, Il Faro"),
		orgForms: []string{"Albergo {P} S.r.l.", "{L} & Figli", "Trattoria {P}"}},
	{code: "pt", lang: "en", weight: 4,
		first:    parseNames("João, Inês, Gonçalo, Beatriz, Tomás, Leonor, Conceição, Duarte"),
		last:     parseNames("Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Martins, Gonçalves, Magalhães, Araújo"),
		places:   parseNames("Atlântico, Ribeira, São Bento, Alfama"),
		orgForms: []string{"Hotel {P}", "{L} & Filhos Lda.", "Construções {L}"}},
	{code: "ja", lang: "en", weight: 6, familyFirst: true,
		first:    parseNames("花子|Hanako, 太郎|Taro, 健太|Kenta, 陽菜|Hina, 翔|Sho, 美咲|Misaki, 大輔|Daisuke, さくら|Sakura, 拓也|Takuya, 結衣|Yui, 蓮|Ren, 葵|Aoi"),
		last:     parseNames("佐藤|Sato, 鈴木|Suzuki, 高橋|Takahashi, 田中|Tanaka, 伊藤|Ito, 渡辺|Watanabe, 山本|Yamamoto, 中村|Nakamura, 小林|Kobayashi, 加藤|Kato, 吉田|Yoshida, 山田|Yamada"),
		places:   parseNames("サクラ|Sakura, ミドリ|Midori, ヒカリ|Hikari, アサヒ|Asahi, 富士|Fuji, 京都|Kyoto"),
		orgForms: []string{"株式会社{P}|{P} KK", "{L}商事株式会社|{L} Shoji KK", "ホテル{P}|Hotel {P}", "{L}工業|{L} Kogyo"}},
	{code: "ar", lang: "fr", weight: 8,
		first:    parseNames("محمد|Mohamed, فاطمة|Fatima, أحمد|Ahmed, ليلى|Leila, يوسف|Youssef, مريم|Mariam, عمر|Omar, سارة|Sara, خالد|Khaled, نور|Nour, كريم|Karim, ياسمين|Yasmine"),
		last:     parseNames("العلي|Al-Ali, بن علي|Benali, الحسن|El Hassan, المنصوري|El Mansouri, حداد|Haddad, خوري|Khoury, العمراني|El Amrani, بوزيد|Bouzid, الشريف|Cherif, ناصر|Nasser"),
		places:   parseNames("النور|Al Noor, الأمل|Al Amal, الواحة|Al Waha, الفجر|Al Fajr"),
		orgForms: []string{"شركة {P}|{P} Company", "{P} Trading LLC|{P} Trading LLC", "مؤسسة {L}|{L} Est."}},
	{code: "vi", lang: "en", weight: 6, familyFirst: true,
		first:    parseNames("Văn An, Thị Hương, Minh Anh, Thu Trang, Quốc Bảo, Ngọc Lan, Đức Minh, Thị Mai, Hoàng Long, Thanh Hằng, Gia Huy, Bảo Ngọc"),
		last:     parseNames("Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Phan, Vũ, Võ, Đặng, Bùi, Đỗ"),
		places:   parseNames("Hoa Sen, Sài Gòn, Hạ Long, Sông Hàn"),
		orgForms: []string{"Công ty TNHH {P}", "Khách sạn {P}", "Công ty {L}"}},
}

var seedLocaleCum []float64

func init() {
	sum := 0.0
	for _, l := range seedLocales {
		sum += l.weight
		seedLocaleCum = append(seedLocaleCum, sum)
	}
	for i := range seedLocaleCum {
		seedLocaleCum[i] /= sum
	}
}

func pickLocale(r *seedRNG) uint8 {
	f := r.Float64()
	i, _ := slices.BinarySearch(seedLocaleCum, f)
	return uint8(min(i, len(seedLocales)-1))
}

// foldASCII transliterates s to lowercase ASCII letters, digits and single '-' separators.
func foldASCII(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ł', 'Ł':
			r = 'l'
		case 'đ', 'Đ':
			r = 'd'
		case 'ø', 'Ø':
			r = 'o'
		case 'ß':
			b.WriteString("ss")
			dash = false
			continue
		case 'æ', 'Æ':
			b.WriteString("ae")
			dash = false
			continue
		case 'œ', 'Œ':
			b.WriteString("oe")
			dash = false
			continue
		case '\'', '’':
			continue
		}
		r = unicode.ToLower(r)
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// lettersOnly keeps the ASCII letters of a folded string.
func lettersOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, s)
}
