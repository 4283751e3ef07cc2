"""Forenames and surnames of England's children, grouped by the origin of the name.

Written for Jigsaw (not copied from any list). Within each group a name's frequency falls with its
rank in the list (Zipf, exponent 1): the order follows our reading of the ONS "Baby names in
England and Wales" tables and of common surnames, but the frequencies are not official counts.
Name origin is kept for every child so that linkage recall can be compared by origin.

English surnames are the exception. England's are many and spread thin (the commonest, Smith, is
held by about one person in a hundred), and a short list under Zipf's law gave one child in seven
the surname Smith: at a million records, one child in seventeen then shared forename, surname and
date of birth with another child, and linkage at that size measured the list's shortness rather
than the records. So the listed English surnames head a long tail of place-like names built from
common English surname parts (Ash-, -ford, -ley and so on), and the frequency falls as
``1 / (rank + 10)`` (Zipf-Mandelbrot), which gives Smith about 1.4% of English-origin children.
"""

from __future__ import annotations

import numpy as np

#: Name-origin groups, and the ONS ethnic groups (Census 2021 short names) that draw from each.
ORIGINS = (
    "english",
    "caribbean",
    "eastern_european",
    "south_asian_muslim",
    "south_asian_indian",
    "african",
    "arabic",
    "chinese",
)

_GIRLS = {
    "english": """Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Ella Poppy
        Evie Charlotte Florence Emily Sienna Jessica Willow Daisy Phoebe Ruby Matilda Evelyn Harper
        Millie Chloe Scarlett Lucy Hannah Holly Megan Katie Lauren Amy Bethany Leah Eleanor Abigail
        Erin Molly Ellie Sophie Niamh Caitlin Jade Paige Courtney Kayleigh Shannon Chelsea Alexandra
        Elizabeth Rebecca Georgia Maisie Summer""",
    "caribbean": """Aaliyah Nia Shanice Tanisha Keisha Jada Maya Imani Kiara Amani Destiny Serena
        Naomi Chantelle Shantelle Janelle Tia Jasmine Kayla Aliyah""",
    "eastern_european": """Zuzanna Julia Maja Zofia Hanna Lena Alicja Maria Oliwia Natalia Wiktoria
        Aleksandra Gabriela Martyna Weronika Karolina Kinga Nikola Patrycja Ioana Andreea Elena
        Bianca Daria Ieva Gabija Austeja Emilija Kamila Anastasia Milena Denisa Teodora""",
    "south_asian_muslim": """Aisha Fatima Maryam Zainab Hafsa Khadija Amina Iqra Sana Noor Zara Hiba
        Inaya Eshal Haniya Alina Anaya Hoorain Mahnoor Laiba Areeba Sumaya Ruqayyah Tasnim Nusrat
        Sadia Farhana Rumana Shamima Jannat Tahmina Safa Amira""",
    "south_asian_indian": """Priya Ananya Aanya Diya Anika Isha Kavya Riya Simran Navneet Harleen
        Jasleen Manpreet Gurleen Amrit Pooja Neha Shreya Aarohi Saanvi Meera Divya Nisha Sonia Kiran
        Tanvi Avni Jaspreet Rupinder Sunita""",
    "african": """Amara Chioma Adaeze Ngozi Folake Ayomide Temitope Precious Blessing Favour Abena
        Akosua Esi Ama Efua Hodan Hibo Ayan Fadumo Sagal Ifrah Nimco Deeqa Ruth Esther Deborah
        Comfort Chidinma Ife""",
    "arabic": """Layla Mariam Nour Rania Yasmin Lina Dana Salma Huda Reem Hala Farah Leen Jana Malak
        Sara Ruba Tala""",
    "chinese": """Mei Xinyi Jiahui Wenli Xiaoyu Yanqing Jing Lingling Yuxin Ziyi Ruoxi Shuang Hui Yan
        Qian""",
}

_BOYS = {
    "english": """Oliver George Noah Arthur Harry Leo Jack Charlie Oscar Jacob Henry Thomas Freddie
        Alfie Theo William Theodore Archie Joshua Alexander James Isaac Edward Lucas Tommy Finley Max
        Logan Ethan Mason Dylan Riley Samuel Joseph Daniel Benjamin Callum Connor Kyle Jordan Liam Ryan
        Lewis Harvey Jake Reece Tyler Bradley Nathan Luke Matthew Jamie Owen""",
    "caribbean": """Jayden Malachi Tyrese Jermaine Kemar Kyrie Marcus Andre Darnell Leon Tyrone
        Nathaniel Josiah Elijah Isaiah Jahmal Kai Devon Shaquille Rashad""",
    "eastern_european": """Jakub Jan Szymon Antoni Filip Kacper Mikolaj Wojciech Adam Michal Bartosz
        Mateusz Dawid Kamil Piotr Krzysztof Tomasz Pawel Andrei Alexandru Ionut Stefan Mihai Darius
        Matei Lukas Matas Dominykas Nojus Arnas Vasile Bogdan""",
    "south_asian_muslim": """Muhammad Ibrahim Yusuf Ali Hamza Zayn Ayaan Rayyan Musa Umar Abdullah
        Bilal Hassan Hussain Zakariya Idris Imran Usman Asif Tariq Kamran Faisal Abdul Shahid Rahim
        Arif Junaid Saif Sameer Amir Ismail Rehan Arham Zohaib""",
    "south_asian_indian": """Arjun Aarav Rohan Vihaan Dev Krish Aryan Ishaan Kabir Rahul Vikram
        Sanjay Harjit Gurpreet Jaskaran Manjit Harpreet Amandeep Ravi Nikhil Karan Rajan Suresh Sunil
        Aditya Yash Advik Shiv Jai Veer""",
    "african": """Emmanuel David Samuel Tobi Tunde Chinedu Chukwuemeka Oluwaseun Ayodele Femi Kwame
        Kofi Kwabena Yaw Kojo Abdi Mohamed Abdirahman Abdullahi Ahmed Liban Mustafa Victor Praise
        Kelechi Obinna Ikenna""",
    "arabic": """Omar Ahmed Khalid Youssef Karim Faris Sami Rami Hadi Ziad Majid Nasser Walid Adel
        Bassam Mahmoud""",
    "chinese": """Wei Jun Hao Jie Ming Lei Tao Yang Zihao Haoran Yuchen Junjie Zhiwei Bo Chen""",
}

_SURNAMES = {
    "english": """Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts
        Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson
        Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen
        James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook
        Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Marshall Simpson Ellis
        Adams Chapman Mason Stevens Webb Rogers Gray Mills Palmer Holmes Lloyd Fisher Knight Pearson
        Barker O'Brien O'Connor O'Neill Gallagher McDonald Fitzgerald""",
    "caribbean": """Campbell Francis Grant Reid Henry Stewart Gordon Morrison Powell Spencer Gayle
        Brown Williams Thompson Johnson Clarke Lewis Samuels Forbes Bryan""",
    "eastern_european": """Nowak Kowalski Wiśniewski Wójcik Dąbrowski Kamiński Lewandowski
        Zieliński Szymański Woźniak Kozłowski Jankowski Mazur Krawczyk Kaczmarek Piotrowski
        Grabowski Popescu Ionescu Popa Pop Radu Dumitru Stan Stoica Gheorghe Ciobanu Rusu
        Kazlauskas Jankauskas Petrauskas Vasiliauskas Ivanov Petrov Georgiev Dimitrov""",
    "south_asian_muslim": """Khan Hussain Ahmed Ali Akhtar Mahmood Iqbal Rashid Shah Aslam Malik
        Butt Chaudhry Raja Mirza Qureshi Siddiqui Rahman Uddin Miah Islam Hossain Chowdhury Karim
        Haque Sheikh Anwar Javed Saleem Latif Nawaz Riaz Rafiq Yousaf""",
    "south_asian_indian": """Patel Singh Sharma Kumar Gill Sandhu Sidhu Dhillon Johal Bains Virk
        Mistry Parmar Chauhan Solanki Joshi Mehta Desai Gupta Chopra Kapoor Verma Rao Nair Pillai Bhatt
        Thakkar Lal""",
    "african": """Okafor Okonkwo Adeyemi Oluwole Adebayo Ogunleye Eze Nwosu Obi Balogun Mensah Owusu
        Boateng Asante Osei Appiah Agyeman Mohamed Abdi Hassan Farah Warsame Omar Yusuf Jama Musa
        Ibrahim Kamara Conteh Bangura Sesay""",
    "arabic": """Al-Hassan Haddad Khalil Nasser Saleh Mansour Hamdan Aziz Farouk El-Sayed Abdallah
        Qasim Darwish Jaber Habib""",
    "chinese": """Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Lin Chan Wong Cheung Lau Ng Ho Leung
        Yip Tang""",
}

#: Nicknames and spelling variants an agency may record instead of the child's forename.
VARIANTS = {
    "Jessica": ("Jess", "Jessie"),
    "Olivia": ("Liv", "Livvy"),
    "Isabella": ("Bella", "Izzy"),
    "Charlotte": ("Charlie", "Lottie"),
    "Eleanor": ("Ellie", "Nell"),
    "Abigail": ("Abbie", "Abby"),
    "Bethany": ("Beth",),
    "Matilda": ("Tilly",),
    "Florence": ("Flo",),
    "Evelyn": ("Evie",),
    "Amelia": ("Millie", "Amy"),
    "Alexandra": ("Alex", "Lexi"),
    "Elizabeth": ("Beth", "Lizzie"),
    "Rebecca": ("Becky", "Becca"),
    "Kayleigh": ("Kayley", "Kaylee"),
    "Megan": ("Meg",),
    "Sophia": ("Sofia", "Sophie"),
    "Aleksandra": ("Ola", "Ala"),
    "Zuzanna": ("Zuza",),
    "Wiktoria": ("Victoria", "Wika"),
    "Oliwia": ("Olivia",),
    "Gabriela": ("Gabi",),
    "Natalia": ("Natalie",),
    "Anastasia": ("Nastya",),
    "William": ("Will", "Billy"),
    "Thomas": ("Tom", "Tommy"),
    "Alexander": ("Alex", "Xander"),
    "Joshua": ("Josh",),
    "Jacob": ("Jake",),
    "Benjamin": ("Ben",),
    "Samuel": ("Sam", "Sammy"),
    "Joseph": ("Joe",),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "James": ("Jim", "Jimmy"),
    "Edward": ("Ed", "Eddie"),
    "Freddie": ("Fred", "Freddy"),
    "Theodore": ("Theo",),
    "Nathan": ("Nate",),
    "Callum": ("Calum",),
    "Jakub": ("Kuba", "Jacob"),
    "Kacper": ("Casper",),
    "Mikolaj": ("Nicholas",),
    "Michal": ("Michael",),
    "Bartosz": ("Bartek",),
    "Krzysztof": ("Chris",),
    "Alexandru": ("Alex",),
    "Mihai": ("Michael",),
    "Stefan": ("Stephen",),
    "Andrei": ("Andrew",),
    "Tomasz": ("Tom",),
    "Pawel": ("Paul",),
    "Muhammad": ("Mohammed", "Mohammad", "Mohamed", "Muhammed"),
    "Mohamed": ("Mohammed", "Muhammad", "Mohamud"),
    "Yusuf": ("Yousef", "Yousuf"),
    "Youssef": ("Yusuf", "Yousef"),
    "Zayn": ("Zain",),
    "Ibrahim": ("Ebrahim",),
    "Hussain": ("Hussein", "Husain"),
    "Hassan": ("Hasan",),
    "Abdullahi": ("Abdullah",),
    "Abdirahman": ("Abdi",),
    "Ayaan": ("Ayan",),
    "Oluwaseun": ("Seun",),
    "Ayodele": ("Ayo",),
    "Temitope": ("Tope", "Temi"),
    "Chukwuemeka": ("Emeka",),
    "Emmanuel": ("Manny",),
    "Kwabena": ("Kobby",),
    "Zakariya": ("Zakaria", "Zachariah"),
    "Umar": ("Omar",),
    "Aisha": ("Ayesha", "Aysha"),
    "Fatima": ("Fatimah",),
    "Maryam": ("Mariam", "Maryum"),
    "Zainab": ("Zaynab",),
    "Khadija": ("Khadijah",),
    "Ruqayyah": ("Ruqaya",),
    "Hafsa": ("Hafsah",),
    "Layla": ("Laila", "Leila"),
    "Yasmin": ("Yasmine", "Jasmine"),
    "Nour": ("Noor",),
    "Aanya": ("Anya",),
    "Harpreet": ("Harprit",),
    "Gurpreet": ("Gurprit",),
    "Jaspreet": ("Jasprit",),
    "Fadumo": ("Fatuma",),
    "Aaliyah": ("Aliyah", "Aliya"),
    "Shanice": ("Shaniece",),
    "Jayden": ("Jaden", "Jaiden"),
    "Malachi": ("Malakai",),
    "Mei": ("May",),
    "Haoran": ("Harry",),
    "Zihao": ("Jason",),
}

#: Surname endings that change with the child's sex (Polish, Bulgarian); boys keep the first form.
FEMININE_ENDINGS = (("ski", "ska"), ("cki", "cka"), ("ov", "ova"), ("ev", "eva"))


def _zipf(n: int, offset: float = 0.0) -> np.ndarray:
    weights = 1.0 / (np.arange(1, n + 1) + offset)
    return weights / weights.sum()


# English surname parts for the long tail: a first part, an optional joining syllable and an
# ending, as in Ashford, Ashingford, Blackwell, Thornton.
_ENGLISH_STARTS = """Ash Bar Black Brad Bram Brook Bur Cald Cart Chad Clay Crom Dal Dun East Ed Elm
    Fair Fern Fox Gold Green Hal Hart Hay Heath Hol Horn Hunt Kirk Lang Lea Lind Lock Long Marsh
    Mid Mill Moor New North Oak Old Pen Pit Rad Red Rock Ross Rush Sand Shel South Stan Stock
    Thorn Wad Wake West Whit Win Wood Wy""".split()
_ENGLISH_JOINS = ("", "ing", "er", "en")
_ENGLISH_ENDS = """bury by combe croft dale den field ford gate ham hill hurst land ley low mere
    more ridge shaw stead stone thorpe ton wall ward well wick win wood worth""".split()
#: The offset of the English surnames' rank-frequency, 1 / (rank + offset).
ENGLISH_SURNAME_OFFSET = 10.0


def _english_tail(listed: list[str]) -> list[str]:
    seen = set(listed)
    tail = []
    for join in _ENGLISH_JOINS:
        for start in _ENGLISH_STARTS:
            for end in _ENGLISH_ENDS:
                name = start + join + end
                if name not in seen and not (join == "" and start.lower().endswith(end)):
                    seen.add(name)
                    tail.append(name)
    return tail


def _feminine(surname: str) -> str:
    for masculine, feminine in FEMININE_ENDINGS:
        if surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
    return surname


# Flat tables: every name drawn is an index into these, so that millions of children cost
# only integer arrays until the records are written.
_FORE_KEYS = [("F", o) for o in ORIGINS] + [("M", o) for o in ORIGINS]
_FORE_LISTS = {k: (_GIRLS if k[0] == "F" else _BOYS)[k[1]].split() for k in _FORE_KEYS}
FORENAME_TABLE = np.array([n for k in _FORE_KEYS for n in _FORE_LISTS[k]], dtype=object)
_FORE_OFFSET = {}
_offset = 0
for _k in _FORE_KEYS:
    _FORE_OFFSET[_k] = _offset
    _offset += len(_FORE_LISTS[_k])

_SUR_LISTS = {o: _SURNAMES[o].split() for o in ORIGINS}
_SUR_LISTS["english"] += _english_tail(_SUR_LISTS["english"])
_SUR_WEIGHTS = {
    o: _zipf(len(names), ENGLISH_SURNAME_OFFSET if o == "english" else 0.0)
    for o, names in _SUR_LISTS.items()
}
SURNAME_TABLE = np.array([n for o in ORIGINS for n in _SUR_LISTS[o]], dtype=object)
FEMININE_TABLE = np.array([_feminine(n) for n in SURNAME_TABLE], dtype=object)
_SUR_OFFSET = {}
_offset = 0
for _o in ORIGINS:
    _SUR_OFFSET[_o] = _offset
    _offset += len(_SUR_LISTS[_o])


def draw_forenames(rng: np.random.Generator, sex: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Return indices into :data:`FORENAME_TABLE`, by rank-frequency within sex and name origin.

    ``sex`` holds ``"F"``/``"M"``; ``origin`` holds indices into :data:`ORIGINS`.
    """
    out = np.zeros(len(sex), dtype=np.int32)
    # One comparison of the (object) sex array, then cheap integer keys per group.
    key = np.asarray(origin, dtype=np.int64) * 2 + (np.asarray(sex) == "M")
    for (s, o), names in _FORE_LISTS.items():
        where = np.flatnonzero(key == ORIGINS.index(o) * 2 + (s == "M"))
        if len(where):
            out[where] = _FORE_OFFSET[(s, o)] + rng.choice(
                len(names), size=len(where), p=_zipf(len(names))
            )
    return out


def draw_surnames(rng: np.random.Generator, origin: np.ndarray) -> np.ndarray:
    """Return indices into :data:`SURNAME_TABLE` by rank-frequency within each name origin."""
    out = np.zeros(len(origin), dtype=np.int32)
    for o, names in _SUR_LISTS.items():
        where = np.flatnonzero(origin == ORIGINS.index(o))
        if len(where):
            out[where] = _SUR_OFFSET[o] + rng.choice(len(names), size=len(where), p=_SUR_WEIGHTS[o])
    return out


def variant_table() -> tuple[np.ndarray, np.ndarray]:
    """Return (offsets, variants): the variants of forename ``i`` are
    ``variants[offsets[i]:offsets[i + 1]]`` (empty when the name has none)."""
    counts = np.array([len(VARIANTS.get(n, ())) for n in FORENAME_TABLE])
    offsets = np.concatenate([[0], np.cumsum(counts)])
    variants = np.array([v for n in FORENAME_TABLE for v in VARIANTS.get(n, ())], dtype=object)
    return offsets, variants
