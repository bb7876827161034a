"""The people and places of the demo: names as they are given in Riau and Pekanbaru
(Malay, Minang, Batak, Javanese families), and Pekanbaru's kecamatan with their codes
(the NIK's district digits, Kemendagri codes 14.71.xx) and some of their kelurahan."""

# fmt: off
REGENCY = "1471"  # Kota Pekanbaru, Provinsi Riau

# code -> (kecamatan, kelurahan in it)
KECAMATAN: dict[str, tuple[str, tuple[str, ...]]] = {
    "01": ("Sukajadi", ("Jadirejo", "Kampung Tengah", "Kampung Melayu", "Harjosari")),
    "02": ("Pekanbaru Kota", ("Simpang Empat", "Sumahilang", "Tanah Datar", "Kota Baru")),
    "03": ("Sail", ("Cinta Raja", "Suka Maju", "Suka Mulia")),
    "04": ("Lima Puluh", ("Rintis", "Sekip", "Tanjung Rhu", "Pesisir")),
    "05": ("Senapelan", ("Padang Bulan", "Padang Terubuk", "Sago", "Kampung Bandar")),
    "06": ("Rumbai", ("Umban Sari", "Rumbai Bukit", "Muara Fajar", "Palas", "Sri Meranti")),
    "07": ("Bukit Raya", ("Simpang Tiga", "Tangkerang Selatan", "Tangkerang Utara", "Air Dingin")),
    "08": ("Tampan", ("Simpang Baru", "Tuah Karya", "Delima", "Sidomulyo Barat")),
    "09": ("Marpoyan Damai", ("Tangkerang Tengah", "Tangkerang Barat", "Maharatu", "Wonorejo")),
    "10": ("Tenayan Raya", ("Kulim", "Tangkerang Timur", "Rejosari", "Bambu Kuning")),
    "11": ("Payung Sekaki", ("Labuh Baru Timur", "Labuh Baru Barat", "Tampan", "Air Hitam")),
    "12": ("Rumbai Pesisir", ("Meranti Pandak", "Limbungan", "Lembah Sari", "Lembah Damai")),
}

STREETS = (
    "Jl. Jenderal Sudirman",
    "Jl. Tuanku Tambusai",
    "Jl. Soekarno-Hatta",
    "Jl. HR. Soebrantas",
    "Jl. Arifin Ahmad",
    "Jl. Riau",
    "Jl. Durian",
    "Jl. Paus",
    "Jl. Kaharuddin Nasution",
    "Jl. Imam Munandar",
    "Jl. Harapan Raya",
    "Jl. Diponegoro",
    "Jl. Ahmad Yani",
    "Jl. Hang Tuah",
    "Jl. Nangka",
    "Jl. Garuda Sakti",
    "Jl. Delima",
    "Jl. Lobak",
    "Jl. Cipta Karya",
    "Jl. Rajawali",
    "Jl. Kartini",
    "Jl. Sisingamangaraja",
    "Jl. Yos Sudarso",
    "Jl. Sultan Syarif Kasim",
    "Jl. Pattimura",
    "Jl. Cendana",
    "Jl. Bangau",
    "Jl. Melur",
    "Jl. Kapau Sari",
    "Jl. Srikandi",
    "Jl. Umban Sari",
    "Jl. Taskurun",
    "Jl. Air Dingin",
    "Jl. Pepaya",
    "Jl. Teratai",
)
GANG = ("Gg. Sepakat", "Gg. Melati", "Gg. Mawar", "Gg. Masjid", "Gg. Bersama", "Gg. Keluarga")
PERUMAHAN = ("Perum Pesona Harapan", "Perum Citra Garden", "Perum Villa Mutiara", "Perum Griya")

MALE = (
    "Ahmad", "Muhammad", "Rizky", "Fajar", "Andi", "Budi", "Dedi", "Hendra", "Irfan", "Joko",
    "Agus", "Rahmat", "Syahrul", "Taufik", "Yusuf", "Zulkifli", "Arif", "Bayu", "Dimas", "Eko",
    "Fadli", "Hafiz", "Ilham", "Reza", "Wahyu", "Yudi", "Hasan", "Firman", "Doni", "Roni",
    "Teguh", "Hendri", "Iskandar", "Syamsul", "Zainal", "Khairul", "Azhar", "Erwin", "Rudi",
)
FEMALE = (
    "Siti", "Nur", "Dewi", "Sri", "Rina", "Fitri", "Putri", "Ayu", "Wulan", "Indah", "Rahma",
    "Nurul", "Aisyah", "Fatimah", "Yuni", "Lestari", "Mega", "Novi", "Ratna", "Sari", "Intan",
    "Dian", "Anisa", "Zahra", "Citra", "Melati", "Khairunnisa", "Nabila", "Syafitri", "Yulia",
    "Rosmawati", "Eliza", "Hayati", "Nurhayati", "Desi", "Vivi", "Rini", "Suryani",
)
# Names given to children born in the last decade or so.
BOY = (
    "Muhammad Alfatih", "Arkana", "Rafardhan", "Al Ghazali", "Abizar", "Kenzo Pratama",
    "Arsenio", "Zayyan", "Shaka", "Daffa", "Fathan", "Raffasya", "Alvaro", "Athar",
)
GIRL = (
    "Aisyah Humaira", "Arsyila", "Khanza", "Queenara", "Adzkia", "Shafira", "Naura",
    "Alesha", "Hafsah", "Kayla", "Zhafira", "Nadhira", "Syakila", "Almira",
)
# Family names and second names (Batak and Minang clans, Malay and Javanese second names).
FAMILY = (
    "Nasution", "Siregar", "Harahap", "Lubis", "Tanjung", "Chaniago", "Hasibuan", "Batubara",
    "Daulay", "Sembiring", "Ginting", "Sinaga", "Simatupang", "Piliang", "Koto", "Panjaitan",
)
SECOND_MALE = (
    "Pratama", "Saputra", "Hidayat", "Kurniawan", "Setiawan", "Syahputra", "Ramadhan",
    "Firmansyah", "Hakim", "Rahman", "Gunawan", "Wijaya", "Hamdani", "Effendi",
)
SECOND_FEMALE = (
    "Saputri", "Lestari", "Wahyuni", "Handayani", "Anggraini", "Rahmawati", "Susanti",
    "Permata Sari", "Utami", "Purnamasari", "Novita", "Maharani", "Fitriani", "Yanti",
)
# Older Javanese names are often a single word.
SINGLE_MALE = ("Sutrisno", "Suparman", "Sugiono", "Paimin", "Sukardi", "Tukiran")
SINGLE_FEMALE = ("Sumarni", "Suyatmi", "Painem", "Sulastri", "Sukarti", "Tumini")

# Indonesian mobile prefixes (after the leading 0) by operator.
MOBILE_PREFIXES = (
    "811", "812", "813", "821", "822", "823", "851", "852", "853",  # Telkomsel
    "814", "815", "816", "855", "856", "857", "858",  # Indosat
    "817", "818", "819", "859", "877", "878",  # XL
    "831", "832", "833", "838",  # Axis
    "895", "896", "897", "898", "899",  # Tri
    "881", "882", "883", "884", "885", "886", "887", "888", "889",  # Smartfren
)
# fmt: on
