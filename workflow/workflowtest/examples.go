package workflowtest

// BirthForm is the shipped birth registration's eForm (TK_KHAI_SINH) as
// a citizen fills it: the father, Nguyễn Văn An (001099012345), applies
// for his son at the ward of Bến Nghé. The workflow's tests and the
// dossier benchmark fill their dossiers with it.
const BirthForm = `{
	"kinhGui": "Ủy ban nhân dân phường Bến Nghé, Thành phố Hồ Chí Minh",
	"hoTenNguoiYeuCau": "Nguyễn Văn An",
	"soDinhDanhNguoiYeuCau": "001099012345",
	"noiCuTruNguoiYeuCau": "Số 12, ngõ 34 phố Đội Cấn, phường Ba Đình, thành phố Hà Nội",
	"quanHe": "cha",
	"dienThoai": "0912 345 678",
	"email": "an.nguyen@example.vn",
	"hoTen": "Nguyễn Minh Khôi",
	"ngaySinh": "02/11/2026",
	"gioiTinh": "nam",
	"danToc": "Kinh",
	"quocTich": "Việt Nam",
	"noiSinh": "Bệnh viện Từ Dũ, Thành phố Hồ Chí Minh",
	"queQuan": "Xã Hành Thiện, tỉnh Ninh Bình",
	"coThongTinCha": "co",
	"hoTenCha": "Nguyễn Văn An",
	"namSinhCha": 1999,
	"soDinhDanhCha": "001099012345",
	"danTocCha": "Kinh",
	"quocTichCha": "Việt Nam",
	"noiCuTruCha": "Số 12, ngõ 34 phố Đội Cấn, phường Ba Đình, thành phố Hà Nội",
	"hoTenMe": "Trần Thị Bích",
	"namSinhMe": 2000,
	"soDinhDanhMe": "036300001234",
	"danTocMe": "Tày",
	"quocTichMe": "Việt Nam",
	"noiCuTruMe": "Số 12, ngõ 34 phố Đội Cấn, phường Ba Đình, thành phố Hà Nội",
	"deNghiCapBanSao": "co",
	"soBanSao": 2,
	"camDoan": ["dong_y"],
	"lamTai": "Thành phố Hồ Chí Minh",
	"ngayKhai": "05/12/2026"
}`
