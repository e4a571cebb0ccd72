package convert

import "time"

// The sample data every template is tried with at load time (and the
// golden tests print): every field and list filled, so a template that
// names a field its data lacks fails when it is loaded.

var sampleAt = time.Date(2026, 12, 7, 9, 5, 7, 0, vietnamTime)

func sampleAgency() Agency {
	return Agency{
		Parent:  "ỦY BAN NHÂN DÂN TỈNH BẮC NINH",
		Name:    "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
		Place:   "Bắc Ninh",
		Address: "Số 11 đường Lý Thái Tổ, phường Suối Hoa, tỉnh Bắc Ninh",
		Phone:   "0222 3822 456",
	}
}

func samplePerson() Person {
	return Person{
		Name:     "Nguyễn Thị Ánh Tuyết",
		Address:  "Số 5 ngõ 12 phố Nguyễn Đăng Đạo, phường Kinh Bắc, tỉnh Bắc Ninh",
		Phone:    "0912 345 678",
		Email:    "anhtuyet@example.vn",
		IDNumber: "027190001234",
	}
}

func sampleSlip() SlipData {
	return SlipData{
		Code:      "BN-261207-0042",
		Number:    "0042/TN",
		Procedure: "Đăng ký khai sinh",
		Agency:    sampleAgency(),
		Applicant: samplePerson(),
		Request:   "Đăng ký khai sinh cho con: Trần Minh Khôi",
		Components: []Component{
			{Name: "Tờ khai đăng ký khai sinh", Form: "Bản chính", Copies: 1},
			{Name: "Giấy chứng sinh", Form: "Bản điện tử (tái sử dụng từ Kho)", Copies: 1},
		},
		Sets:           1,
		ResolutionTime: "01 ngày làm việc",
		ReceivedAt:     sampleAt,
		DueAt:          sampleAt.Add(24 * time.Hour),
		NewDueAt:       sampleAt.Add(72 * time.Hour),
		ReturnAt:       "Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh",
		Reasons:        []string{"Giấy chứng sinh không rõ ngày sinh của trẻ.", "Tờ khai thiếu chữ ký của người đi đăng ký."},
		Instructions:   "Nộp bổ sung bản sao Giấy chứng sinh có chứng thực và ký vào tờ khai.",
		LegalBasis:     "Điều 16 Luật Hộ tịch năm 2014",
		Contact:        "ông Lê Văn Hùng, số điện thoại 0222 3822 456",
		Officer:        "Lê Văn Hùng",
		Signer:         "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
		Book:           "Quyển số 03, số thứ tự 125",
		Steps: []ControlStep{
			{From: "Bộ phận Một cửa", To: "Phòng Tư pháp", HandedAt: sampleAt.Add(30 * time.Minute), Outcome: "Đúng hạn", Note: ""},
			{From: "Phòng Tư pháp", To: "Lãnh đạo UBND", HandedAt: sampleAt.Add(5 * time.Hour), Outcome: "Trước hạn", Note: "Trình ký"},
		},
		Ratings: []Rating{
			{Criterion: "Tiếp nhận hồ sơ", Answer: "Rất hài lòng"},
			{Criterion: "Thời gian giải quyết", Answer: "Hài lòng"},
			{Criterion: "Thái độ của công chức", Answer: ""},
		},
		IssuedAt: sampleAt,
		QR:       qrURIPrefix + "iVBORw0KGgo=",
	}
}

func sampleBook() BookData {
	return BookData{
		Agency: sampleAgency(),
		Volume: "03",
		From:   sampleAt.Add(-6 * 24 * time.Hour),
		To:     sampleAt,
		Rows: []BookRow{{
			Code: "BN-261207-0042", Procedure: "Đăng ký khai sinh", Sets: 1, Applicant: samplePerson(),
			Unit: "Phòng Tư pháp", ReceivedAt: sampleAt, DueAt: sampleAt.Add(24 * time.Hour),
			TransferredAt: sampleAt.Add(30 * time.Minute), ResultAt: sampleAt.Add(6 * time.Hour), Note: "",
		}},
		IssuedAt: sampleAt,
	}
}

func sampleHeader(number string) ResultHeader {
	return ResultHeader{
		Agency:      Agency{Parent: "ỦY BAN NHÂN DÂN TỈNH BẮC NINH", Name: "ỦY BAN NHÂN DÂN PHƯỜNG KINH BẮC", Place: "Kinh Bắc"},
		Number:      number,
		IssuedAt:    sampleAt,
		SignerTitle: "CHỦ TỊCH",
		SignerName:  "Phạm Quốc Bảo",
		Code:        "BN-261207-0042",
		QR:          qrURIPrefix + "iVBORw0KGgo=",
	}
}

func sampleBirth() BirthCertificateData {
	d := BirthCertificateData{ResultHeader: sampleHeader("125/2026")}
	d.Child.Name = "TRẦN MINH KHÔI"
	d.Child.IDNumber = "027226001234"
	d.Child.Sex = "Nam"
	d.Child.BirthDate = time.Date(2026, 11, 30, 0, 0, 0, 0, vietnamTime)
	d.Child.BirthPlace = "Bệnh viện Sản - Nhi tỉnh Bắc Ninh"
	d.Child.Ethnicity = "Kinh"
	d.Child.Nationality = "Việt Nam"
	d.Child.Hometown = "Xã Đông Tiến, tỉnh Bắc Ninh"
	d.Mother.Name = "Nguyễn Thị Ánh Tuyết"
	d.Mother.BirthYear = "1990"
	d.Mother.Ethnicity = "Kinh"
	d.Mother.Nationality = "Việt Nam"
	d.Mother.Residence = "Phường Kinh Bắc, tỉnh Bắc Ninh"
	d.Father.Name = "Trần Văn Đức"
	d.Father.BirthYear = "1988"
	d.Father.Ethnicity = "Kinh"
	d.Father.Nationality = "Việt Nam"
	d.Father.Residence = "Phường Kinh Bắc, tỉnh Bắc Ninh"
	d.Declarant = "Nguyễn Thị Ánh Tuyết (mẹ)"
	d.Registrar = "Đỗ Thu Hằng"
	d.BookEntry = "Số: 125, Quyển số: 01/2026"
	return d
}

func sampleHousehold() HouseholdBusinessData {
	return HouseholdBusinessData{
		ResultHeader:       sampleHeader("27A8012345"),
		RegistrationNumber: "8123456789",
		FirstRegistered:    sampleAt,
		ChangedAt:          time.Time{},
		Changes:            0,
		BusinessName:       "HỘ KINH DOANH TIỆM BÁNH ÁNH TUYẾT",
		Address:            "Số 5 ngõ 12 phố Nguyễn Đăng Đạo, phường Kinh Bắc, tỉnh Bắc Ninh",
		Phone:              "0912 345 678",
		Email:              "anhtuyet@example.vn",
		Lines:              []string{"Sản xuất các loại bánh từ bột (1071)", "Bán lẻ lương thực, thực phẩm (4721)"},
		Capital:            "100.000.000 đồng (Một trăm triệu đồng)",
		Owner:              samplePerson(),
		OwnerBirthDate:     time.Date(1990, 3, 14, 0, 0, 0, 0, vietnamTime),
		OwnerSex:           "Nữ",
		OwnerEthnicity:     "Kinh",
		OwnerNationality:   "Việt Nam",
	}
}

func samplePermit() ConstructionPermitData {
	return ConstructionPermitData{
		ResultHeader: sampleHeader("88/GPXD"),
		Owner:        samplePerson(),
		Work:         "Nhà ở riêng lẻ",
		Plot:         "125",
		MapSheet:     "17",
		Location:     "Phố Nguyễn Đăng Đạo, phường Kinh Bắc, tỉnh Bắc Ninh",
		Details: [][2]string{
			{"Diện tích xây dựng tầng 1 (tầng trệt)", "80,5 m²"},
			{"Tổng diện tích sàn", "241,5 m²"},
			{"Chiều cao công trình", "12,6 m; số tầng: 3"},
			{"Cốt xây dựng", "+0,45 m"},
		},
		ConsultedAgencies: []string{"Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ"},
		ValidUntil:        sampleAt.AddDate(1, 0, 0),
	}
}

// Sample returns the sample data of template name (every field and list
// filled), for the tests of a Converter outside this package. Its QR is
// empty.
func Sample(name string) (any, error) {
	s, err := spec(name)
	if err != nil {
		return nil, err
	}
	return s.sample, nil
}
