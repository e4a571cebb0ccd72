package convert

import "time"

// The data of the templates: plain values a caller fills from a dossier
// (package convert knows nothing of dossiers). Times are shown in
// Vietnam's time (UTC+7) as DD/MM/YYYY and hh:mm:ss; a zero time is shown
// as dots for a person to fill in by hand.

// Agency is the agency that issues a slip or a result.
type Agency struct {
	// Parent is the governing body printed above the agency's name
	// (e.g. "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"); it may be empty.
	Parent string
	// Name of the agency or of its one-stop desk
	// (e.g. "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ").
	Name string
	// Place is the locality written before the date ("Bắc Ninh").
	Place   string
	Address string
	Phone   string
}

// Person is an applicant, a holder or an officer.
type Person struct {
	Name    string
	Address string
	Phone   string
	Email   string
	// IDNumber is the personal identification number (or a business's
	// tax code).
	IDNumber string
}

// Component is one paper of a dossier as a slip lists it.
type Component struct {
	// Name of the paper ("Tờ khai đăng ký khai sinh").
	Name string
	// Form is how it was given: "Bản chính", "Bản sao", "Bản điện tử
	// (tái sử dụng từ Kho)".
	Form string
	// Copies handed in.
	Copies int
}

// ControlStep is one row of the process control slip: a hand-over
// between units.
type ControlStep struct {
	// From and To are the units (or officers) that gave and received the
	// dossier.
	From, To string
	// HandedAt is when the dossier was handed over.
	HandedAt time.Time
	// Outcome is "Trước hạn", "Đúng hạn" or "Quá hạn", or empty while open.
	Outcome string
	Note    string
}

// Rating is one criterion of the evaluation slip with the applicant's
// answer.
type Rating struct {
	Criterion string
	// Answer is the chosen level ("Rất hài lòng", "Hài lòng", "Không hài
	// lòng"), or empty when not yet answered.
	Answer string
}

// SlipData fills the slips of one dossier: the receipt and appointment,
// the supplement request, the refusal, the apology with a new date, the
// process control and the evaluation (Circular 01/2018/TT-VPCP, forms 01
// to 05, and the evaluation of its Article 12). Each slip uses the fields
// its template names; the others may stay empty.
type SlipData struct {
	// Code is the dossier code (<agency code>-YYMMDD-NNNN).
	Code string
	// Number is the slip's own number ("Số: …"), if the agency numbers
	// them.
	Number string
	// Procedure is the name of the administrative procedure.
	Procedure string
	Agency    Agency
	Applicant Person
	// Request is what the applicant asks for ("Nội dung yêu cầu giải
	// quyết").
	Request    string
	Components []Component
	// Sets is the number of sets of papers handed in.
	Sets int
	// ResolutionTime is the time the rules allow, as words ("05 ngày làm
	// việc").
	ResolutionTime string
	ReceivedAt     time.Time
	// DueAt is the appointment to return the result.
	DueAt time.Time
	// NewDueAt is the new appointment of the apology slip.
	NewDueAt time.Time
	// ReturnAt is where the result is returned ("Bộ phận Một cửa …", "qua
	// dịch vụ bưu chính").
	ReturnAt string
	// Reasons of a supplement request, a refusal or a delay.
	Reasons []string
	// Instructions say how to complete the dossier (supplement request).
	Instructions string
	// LegalBasis of a refusal.
	LegalBasis string
	// Contact is whom to ask ("ông Lê Văn Hùng, số điện thoại 0222 3822
	// 456").
	Contact string
	// Officer is the officer who signs the slip (receives, guides,
	// refuses).
	Officer string
	// Signer is the title of who signs the apology slip ("CHỦ TỊCH").
	Signer string
	// Book is where the dossier is entered in the tracking book
	// ("Quyển số 03, số thứ tự 125").
	Book string
	// Steps of the process control slip.
	Steps []ControlStep
	// Ratings of the evaluation slip.
	Ratings []Rating
	// IssuedAt is when the slip is printed.
	IssuedAt time.Time
	// QR is the data URI of a PNG QR code of the dossier's public lookup
	// URL (see QRDataURI).
	QR string
}

// BookRow is one dossier in the tracking book.
type BookRow struct {
	Code      string
	Procedure string
	Sets      int
	Applicant Person
	// Unit is the agency that leads the resolution.
	Unit       string
	ReceivedAt time.Time
	DueAt      time.Time
	// TransferredAt is when the dossier went to the unit.
	TransferredAt time.Time
	// ResultAt is when the result (or a supplement request) came back.
	ResultAt time.Time
	// ReturnedAt is when the result was handed to the applicant.
	ReturnedAt time.Time
	Note       string
}

// BookData fills the tracking book (Circular 01/2018/TT-VPCP, form 06) of
// a period.
type BookData struct {
	Agency Agency
	// Volume is the book's volume number.
	Volume   string
	From, To time.Time
	Rows     []BookRow
	IssuedAt time.Time
}

// ResultHeader is what every result document carries: the issuing
// agency, its number, the signer and the dossier's code with its QR code.
type ResultHeader struct {
	Agency Agency
	// Number is the document's number and symbol ("125/GCN-UBND").
	Number   string
	IssuedAt time.Time
	// SignerTitle ("CHỦ TỊCH", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC") and
	// SignerName of whoever signs.
	SignerTitle string
	SignerName  string
	// Code of the dossier that issued the document, and its QR data URI.
	Code string
	QR   string
}

// BirthCertificateData fills the birth certificate (Giấy khai sinh, form
// of Circular 04/2024/TT-BTP, extract).
type BirthCertificateData struct {
	ResultHeader
	Child struct {
		Name        string
		IDNumber    string
		Sex         string
		BirthDate   time.Time
		BirthPlace  string
		Ethnicity   string
		Nationality string
		Hometown    string
	}
	Mother, Father struct {
		Name        string
		BirthYear   string
		Ethnicity   string
		Nationality string
		Residence   string
	}
	// Declarant is who registered the birth, with their relation.
	Declarant string
	// Registrar is the civil-status officer (công chức tư pháp - hộ
	// tịch).
	Registrar string
	// BookEntry is the register entry ("Số: 125, Quyển số: 01/2026").
	BookEntry string
}

// HouseholdBusinessData fills the business-household registration
// certificate (Giấy chứng nhận đăng ký hộ kinh doanh, Decree
// 168/2025/NĐ-CP).
type HouseholdBusinessData struct {
	ResultHeader
	// RegistrationNumber is the household business's number (its tax
	// code).
	RegistrationNumber string
	// FirstRegistered is the date of first registration; ChangedAt and
	// Changes count later changes (zero: none).
	FirstRegistered time.Time
	ChangedAt       time.Time
	Changes         int
	BusinessName    string
	Address         string
	Phone           string
	Email           string
	// Lines are the lines of business.
	Lines []string
	// Capital is the business capital in words and figures
	// ("100.000.000 đồng (Một trăm triệu đồng)").
	Capital string
	Owner   Person
	// OwnerBirthDate, OwnerSex… of the representative.
	OwnerBirthDate   time.Time
	OwnerSex         string
	OwnerEthnicity   string
	OwnerNationality string
}

// ConstructionPermitData fills a construction permit for a house
// (Giấy phép xây dựng, Decree 175/2024/NĐ-CP).
type ConstructionPermitData struct {
	ResultHeader
	// Owner is the investor (chủ đầu tư).
	Owner Person
	// Work is the name of the work ("Nhà ở riêng lẻ").
	Work string
	// Location: plot number, map sheet, address.
	Plot, MapSheet, Location string
	// Details of the work, as label and value lines ("Cốt xây dựng",
	// "+0,45 m").
	Details [][2]string
	// ConsultedAgencies gave their opinions (the consultation between
	// agencies).
	ConsultedAgencies []string
	// ValidUntil is the date work must begin by.
	ValidUntil time.Time
}
