"""Word lists and reference tables the demo portfolio is drawn from.

Nothing here is random; the generator picks from these tables with numpy.
E-mail domains use the reserved ``.example`` top-level domain (RFC 2606), so a
reminder sent from the demo can never reach a real mailbox.
"""

from __future__ import annotations

from typing import NamedTuple

# --- Regions and countries ----------------------------------------------------

# Share of customers per region, in the order of customers.models.Region.
REGIONS = (
    "north_america",
    "europe",
    "asia_pacific",
    "greater_china",
    "latin_america",
    "middle_east_africa",
)
REGION_WEIGHTS = (0.30, 0.27, 0.15, 0.13, 0.08, 0.07)
# When a region has no sales rep of its own, its customers go to the reps of
# the first region in this list that has one.
REGION_FALLBACK = {
    "north_america": ("europe", "asia_pacific"),
    "europe": ("north_america", "asia_pacific"),
    "asia_pacific": ("greater_china", "north_america"),
    "greater_china": ("asia_pacific", "north_america"),
    "latin_america": ("north_america", "europe"),
    "middle_east_africa": ("europe", "north_america"),
}


class Country(NamedTuple):
    code: str
    region: str
    weight: float  # share within its region
    currency: str
    calling_code: str
    chinese_share: float  # share of customers with Chinese names (language zh-hans)
    suffixes: tuple[str, str, str]  # legal forms of English names, picked uniformly
    tax_id: tuple[str | tuple[str, int], ...]  # literals, ("d", n) digits, ("a", n) alphanumerics


COUNTRIES: tuple[Country, ...] = (
    Country("US", "north_america", 0.85, "USD", "1", 0.0, ("Inc.", "LLC", "Corp."), (("d", 2), "-", ("d", 7))),
    Country("CA", "north_america", 0.12, "USD", "1", 0.0, ("Inc.", "Ltd.", "Corp."), (("d", 9), "RT0001")),
    Country("MX", "north_america", 0.03, "USD", "52", 0.0, ("S.A. de C.V.", "S.A.", "S. de R.L."), (("a", 3), ("d", 6), ("a", 3))),
    Country("DE", "europe", 0.25, "EUR", "49", 0.0, ("GmbH", "AG", "GmbH & Co. KG"), ("DE", ("d", 9))),
    Country("GB", "europe", 0.20, "GBP", "44", 0.0, ("Ltd", "PLC", "Ltd"), ("GB", ("d", 9))),
    Country("FR", "europe", 0.17, "EUR", "33", 0.0, ("SA", "SAS", "SARL"), ("FR", ("d", 11))),
    Country("NL", "europe", 0.10, "EUR", "31", 0.0, ("B.V.", "N.V.", "B.V."), ("NL", ("d", 9), "B01")),
    Country("IT", "europe", 0.10, "EUR", "39", 0.0, ("S.p.A.", "S.r.l.", "S.r.l."), ("IT", ("d", 11))),
    Country("ES", "europe", 0.08, "EUR", "34", 0.0, ("S.A.", "S.L.", "S.L."), ("ESB", ("d", 8))),
    Country("SE", "europe", 0.05, "EUR", "46", 0.0, ("AB", "AB", "AB"), ("SE", ("d", 10), "01")),
    Country("PL", "europe", 0.05, "EUR", "48", 0.0, ("Sp. z o.o.", "S.A.", "Sp. z o.o."), ("PL", ("d", 10))),
    Country("AU", "asia_pacific", 0.25, "USD", "61", 0.0, ("Pty Ltd", "Pty Ltd", "Ltd"), (("d", 11),)),
    Country("SG", "asia_pacific", 0.20, "USD", "65", 0.0, ("Pte. Ltd.", "Pte. Ltd.", "Ltd."), ("2", ("d", 8), "K")),
    Country("JP", "asia_pacific", 0.15, "USD", "81", 0.0, ("K.K.", "Co., Ltd.", "G.K."), (("d", 13),)),
    Country("IN", "asia_pacific", 0.20, "USD", "91", 0.0, ("Pvt. Ltd.", "Ltd.", "Pvt. Ltd."), (("d", 2), ("a", 10), "1Z", ("a", 1))),
    Country("KR", "asia_pacific", 0.10, "USD", "82", 0.0, ("Co., Ltd.", "Inc.", "Co., Ltd."), (("d", 3), "-", ("d", 2), "-", ("d", 5))),
    Country("ID", "asia_pacific", 0.10, "USD", "62", 0.0, ("PT", "PT", "Tbk"), (("d", 15),)),
    Country("CN", "greater_china", 0.80, "CNY", "86", 1.0, ("Co., Ltd.", "Co., Ltd.", "Group Co., Ltd."), ("91", ("a", 16))),
    Country("HK", "greater_china", 0.12, "CNY", "852", 0.5, ("Limited", "Limited", "Holdings Limited"), (("d", 8),)),
    Country("TW", "greater_china", 0.08, "CNY", "886", 0.5, ("Co., Ltd.", "Corporation", "Co., Ltd."), (("d", 8),)),
    Country("BR", "latin_america", 0.35, "USD", "55", 0.0, ("Ltda.", "S.A.", "Ltda."), (("d", 2), ".", ("d", 3), ".", ("d", 3), "/0001-", ("d", 2))),
    Country("AR", "latin_america", 0.10, "USD", "54", 0.0, ("S.A.", "S.R.L.", "S.A."), ("30-", ("d", 8), "-", ("d", 1))),
    Country("CL", "latin_america", 0.10, "USD", "56", 0.0, ("S.A.", "SpA", "Ltda."), (("d", 2), ".", ("d", 3), ".", ("d", 3), "-", ("d", 1))),
    Country("CO", "latin_america", 0.15, "USD", "57", 0.0, ("S.A.S.", "S.A.", "Ltda."), (("d", 3), ".", ("d", 3), ".", ("d", 3), "-", ("d", 1))),
    Country("PE", "latin_america", 0.30, "USD", "51", 0.0, ("S.A.C.", "S.A.", "S.R.L."), ("20", ("d", 9))),
    Country("AE", "middle_east_africa", 0.35, "USD", "971", 0.0, ("LLC", "FZE", "FZCO"), ("100", ("d", 12))),
    Country("SA", "middle_east_africa", 0.25, "USD", "966", 0.0, ("LLC", "Co.", "LLC"), ("3", ("d", 14))),
    Country("ZA", "middle_east_africa", 0.25, "USD", "27", 0.0, ("(Pty) Ltd", "Ltd", "(Pty) Ltd"), ("4", ("d", 9))),
    Country("IL", "middle_east_africa", 0.15, "USD", "972", 0.0, ("Ltd.", "Ltd.", "Inc."), ("51", ("d", 7))),
)  # fmt: skip

# Units of each currency per US dollar (rough, only to scale invoice sizes).
FX_PER_USD = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CNY": 7.2}

# --- Industries -----------------------------------------------------------------


class IndustryProfile(NamedTuple):
    code: str
    weight: float  # share of customers
    median_invoice_usd: float
    margin: float  # gross margin, 0.10-0.45
    lateness: float  # shift of the late-payment propensity on the logit scale
    seasonality: float  # how strongly the Q4 peak / summer dip shows
    terms: tuple[float, float, float, float]  # P(14), P(30), P(45), P(60) days
    nouns: tuple[str, ...]  # second word of English company names (8 each)
    chinese: str  # industry word of Chinese company names


INDUSTRIES: tuple[IndustryProfile, ...] = (
    IndustryProfile("manufacturing", 0.20, 4200, 0.28, 0.00, 0.8, (0.04, 0.66, 0.18, 0.12), ("Manufacturing", "Industries", "Components", "Fabrication", "Machining", "Precision", "Engineering", "Tooling"), "机械"),
    IndustryProfile("wholesale", 0.16, 3600, 0.14, 0.10, 1.0, (0.08, 0.72, 0.12, 0.08), ("Supply", "Distribution", "Trading", "Wholesale", "Imports", "Merchants", "Provisions", "Sourcing"), "贸易"),
    IndustryProfile("retail", 0.14, 1500, 0.38, 0.25, 1.6, (0.14, 0.76, 0.06, 0.04), ("Stores", "Retail", "Outfitters", "Market", "Goods", "Emporium", "Shops", "Boutiques"), "零售"),
    IndustryProfile("construction", 0.10, 5200, 0.22, 0.55, 0.9, (0.02, 0.50, 0.24, 0.24), ("Construction", "Builders", "Contracting", "Structures", "Developments", "Civil Works", "Homes", "Infrastructure"), "建设"),
    IndustryProfile("healthcare", 0.08, 2800, 0.41, -0.35, 0.3, (0.04, 0.56, 0.20, 0.20), ("Health", "Medical", "Clinics", "Care", "Diagnostics", "Pharma", "Labs", "Wellness"), "医疗器械"),
    IndustryProfile("technology", 0.10, 3900, 0.45, 0.00, 0.6, (0.10, 0.74, 0.10, 0.06), ("Systems", "Technologies", "Software", "Digital", "Networks", "Data", "Labs", "Solutions"), "科技"),
    IndustryProfile("logistics", 0.08, 2600, 0.18, 0.15, 0.8, (0.10, 0.70, 0.12, 0.08), ("Logistics", "Freight", "Transport", "Shipping", "Cargo", "Express", "Haulage", "Forwarding"), "物流"),
    IndustryProfile("hospitality", 0.06, 1200, 0.32, 0.45, 1.2, (0.18, 0.72, 0.06, 0.04), ("Hotels", "Hospitality", "Restaurants", "Resorts", "Catering", "Inns", "Dining", "Suites"), "酒店管理"),
    IndustryProfile("energy", 0.04, 9500, 0.20, -0.20, 0.5, (0.02, 0.58, 0.20, 0.20), ("Energy", "Power", "Utilities", "Renewables", "Fuels", "Solar", "Grid", "Petroleum"), "能源"),
    IndustryProfile("public_sector", 0.04, 6200, 0.24, -0.70, 0.4, (0.00, 0.40, 0.25, 0.35), ("Authority", "Services", "Council", "Agency", "Trust", "District", "Board", "Institute"), "公共服务"),
)  # fmt: skip
TERMS_DAYS = (14, 30, 45, 60)

# Relative invoicing activity by calendar month (Q4 peak, summer dip).
SEASON_BY_MONTH = (0.90, 0.93, 1.04, 1.00, 1.00, 0.97, 0.85, 0.80, 1.05, 1.10, 1.18, 1.22)

SALES_CHANNELS = ("direct", "distributor", "online", "partner")
SALES_CHANNEL_WEIGHTS = (0.45, 0.25, 0.15, 0.15)
SALES_CHANNEL_SIZE = (1.0, 1.6, 0.45, 1.1)  # invoice size factor per channel

PAYMENT_METHODS = ("bank_transfer", "direct_debit", "card", "check")
PAYMENT_METHOD_WEIGHTS = (0.64, 0.14, 0.08, 0.14)

# --- Company names --------------------------------------------------------------

NAME_PREFIXES = (
    "Apex", "Northwind", "Blue Ridge", "Summit", "Harbor", "Pioneer", "Granite", "Silverline",
    "Evergreen", "Redwood", "Atlas", "Meridian", "Keystone", "Lakeside", "Ironbridge", "Crescent",
    "Horizon", "Oakmont", "Riverside", "Sterling", "Westfield", "Bright", "Cobalt", "Falcon",
    "Golden Gate", "Highland", "Juniper", "Kingsway", "Lighthouse", "Maple", "Nova", "Orion",
    "Pacific", "Quantum", "Radiant", "Sapphire", "Trident", "Union", "Vanguard", "Willow",
    "Alder", "Beacon", "Cedar", "Delta", "Eastgate", "Fairview", "Greystone", "Hillcrest",
    "Ivory", "Jade", "Kestrel", "Lynx", "Mosaic", "Northstar", "Oriel", "Parkway",
    "Ridgeline", "Seabright", "Tallpine", "Upland", "Vertex", "Whitecliff", "Zenith", "Arrow",
)  # fmt: skip

SUFFIXES_ZH = ("有限公司", "有限公司", "股份有限公司")
CITIES_ZH = (
    ("上海", "shanghai"), ("北京", "beijing"), ("深圳", "shenzhen"), ("广州", "guangzhou"),
    ("杭州", "hangzhou"), ("苏州", "suzhou"), ("南京", "nanjing"), ("成都", "chengdu"),
    ("武汉", "wuhan"), ("天津", "tianjin"), ("重庆", "chongqing"), ("西安", "xian"),
    ("厦门", "xiamen"), ("宁波", "ningbo"), ("青岛", "qingdao"), ("东莞", "dongguan"),
)  # fmt: skip
TRADE_NAMES_ZH = (
    ("华强", "huaqiang"), ("金龙", "jinlong"), ("恒通", "hengtong"), ("宏达", "hongda"),
    ("鑫源", "xinyuan"), ("瑞丰", "ruifeng"), ("东方", "dongfang"), ("长城", "changcheng"),
    ("新世纪", "xinshiji"), ("中天", "zhongtian"), ("博远", "boyuan"), ("盛世", "shengshi"),
    ("永信", "yongxin"), ("嘉华", "jiahua"), ("天成", "tiancheng"), ("海润", "hairun"),
    ("锦程", "jincheng"), ("华信", "huaxin"), ("立达", "lida"), ("远航", "yuanhang"),
)  # fmt: skip

# --- People -----------------------------------------------------------------------

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Sandra", "Mark",
    "Ashley", "Paul", "Emily", "Steven", "Donna", "Andrew", "Michelle", "Lukas", "Sophie",
    "Marco", "Giulia", "Pierre", "Camille", "Javier", "Lucia", "Anna", "Erik", "Priya", "Arjun",
    "Yuki", "Hiro", "Fatima", "Omar",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore",
    "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Mueller",
    "Schmidt", "Rossi", "Bernard", "Dubois", "Fernandez", "Kowalski", "Nilsson", "Jansen",
    "Patel", "Sharma", "Tanaka", "Sato", "Haddad", "Cohen",
)  # fmt: skip
SURNAMES_ZH = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
)  # fmt: skip
GIVEN_NAMES_ZH = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("晓东", "xiaodong"),
)  # fmt: skip

BILLING_MAILBOXES = ("ap", "accounts.payable", "billing", "invoices", "finance")
BILLING_TITLES = ("Accounts Payable Manager", "AP Specialist", "Finance Manager", "Controller")
OTHER_TITLES = (
    "Purchasing Manager",
    "Operations Director",
    "Managing Director",
    "Procurement Lead",
)
BILLING_TITLES_ZH = ("财务经理", "应付账款专员", "财务主管", "会计")
OTHER_TITLES_ZH = ("采购经理", "运营总监", "总经理", "采购主管")

# --- Reasons ----------------------------------------------------------------------

CREDIT_NOTE_REASONS = (
    "Returned goods",
    "Pricing error on invoice",
    "Damaged in transit",
    "Short delivery",
    "Volume rebate",
)
ON_ACCOUNT_CREDIT_REASONS = ("Quarterly volume rebate", "Goodwill credit", "Marketing allowance")
DISPUTE_CREDIT_REASON = "Credit granted on dispute resolution"
DISPUTE_REASONS = (
    "Goods not received",
    "Quantity differs from delivery note",
    "Price differs from purchase order",
    "Goods damaged on arrival",
    "Invoice sent to the wrong entity",
    "Service not performed as agreed",
)
RESOLUTION_CREDIT = "Partial credit note issued"
RESOLUTION_ACCEPTED = "Customer accepted the invoice as billed"
WRITE_OFF_REASONS = (
    "Uncollectible: customer unresponsive after final notice",
    "Customer insolvent",
    "Collection agency returned the claim as uncollectible",
    "Settled below face value; balance uncollectible",
)
# As receivables.services.invoice_void records them in the description.
VOID_DESCRIPTIONS = (
    "void: Posted in error",
    "void: Duplicate invoice",
    "void: Order cancelled before delivery",
)
HOLD_REASON_OVERDUE = "Invoices more than 90 days past due"
HOLD_REASON_OVER_LIMIT = "Exposure over credit limit"
HOLD_REASON_BOUNCED = "Bounced payment"
