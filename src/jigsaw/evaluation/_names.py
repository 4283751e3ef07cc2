"""Name lists of the evaluation generator, by naming tradition, with their spelling variants.

Written for the evaluation generator alone, separately from :mod:`jigsaw.world` and from the
linkage engine's nickname table, so that an evaluation does not test the engine on its own
lists. Each entry is one name as a tuple of the spellings agencies write for it: the first is the
commonest; the others are transliterations (Muhammad/Mohammed/Mohamad, Chen/Chan) or English
spelling variants (Lily/Lilly). Short forms a child is known by are in ``NICKNAMES``.
"""

from __future__ import annotations

Spellings = tuple[str, ...]

#: Share of children by naming tradition (assumed: roughly the ethnic make-up of children in
#: England's larger cities; not taken from a table).
TRADITIONS: dict[str, float] = {
    "english": 0.62,
    "south_asian_muslim": 0.11,
    "eastern_european": 0.07,
    "sikh_hindu": 0.06,
    "west_african": 0.06,
    "arabic_somali": 0.04,
    "east_asian": 0.04,
}

BOYS: dict[str, tuple[Spellings, ...]] = {
    "english": (
        ("Oliver",), ("George",), ("Harry",), ("Jack",), ("Noah",), ("Leo",), ("Arthur",),
        ("Oscar",), ("Charlie",), ("Freddie", "Freddy"), ("Alfie", "Alfy"), ("Thomas",),
        ("William",), ("James",), ("Henry",), ("Archie", "Archy"), ("Joshua",),
        ("Jacob", "Jakob"), ("Ethan",), ("Lucas", "Lukas"), ("Isaac", "Isaak"), ("Mason",),
        ("Logan",), ("Theo", "Teo"), ("Samuel",), ("Daniel",), ("Joseph",), ("Max",),
        ("Dylan", "Dillon"), ("Riley", "Rylee"), ("Jayden", "Jaden", "Jaiden"),
        ("Aiden", "Aidan", "Ayden"), ("Connor", "Conor"), ("Callum", "Calum"), ("Kyle",),
        ("Liam",), ("Ryan",), ("Lewis", "Louis"), ("Harrison",), ("Tyler",),
        ("Sean", "Shaun", "Shawn"), ("Owen", "Owain"), ("Rhys", "Reece", "Reese"),
        ("Dafydd",), ("Evan", "Ifan"), ("Ciaran", "Kieran", "Kieron"), ("Declan",),
        ("Cameron", "Kameron"), ("Jamie",), ("Nathan",), ("Matthew",), ("Benjamin",),
        ("Zachary", "Zackary"), ("Reuben", "Ruben"), ("Elliot", "Elliott"), ("Finley", "Finlay"),
    ),
    "south_asian_muslim": (
        ("Muhammad", "Mohammed", "Mohammad", "Mohamed", "Mohamad", "Muhammed"),
        ("Ibrahim", "Ebrahim"), ("Yusuf", "Yousuf", "Yousef", "Yusef"), ("Ali",),
        ("Hamza", "Hamzah"), ("Ayaan", "Ayan"), ("Zayn", "Zain", "Zayan"),
        ("Abdullah", "Abdulla"), ("Umar", "Omar"), ("Hassan", "Hasan"),
        ("Hussain", "Hussein", "Husain"), ("Bilal",), ("Imran",), ("Adnan",),
        ("Rayyan", "Rayan"), ("Ismail", "Ismaeel", "Esmail"),
        ("Abdul Rahman", "Abdulrahman", "Abdur Rahman"), ("Arham",), ("Musa", "Moosa"),
        ("Idris", "Idrees"), ("Zakariya", "Zakaria", "Zakariyya"), ("Haroon", "Harun"),
    ),
    "eastern_european": (
        ("Jakub", "Yakub"), ("Aleksander", "Alexander", "Oleksandr", "Aleksandr"),
        ("Dmytro", "Dmitri", "Dmitry"), ("Mateusz", "Matei"), ("Andrei", "Andrzej", "Andriy"),
        ("Mykola", "Nikolai", "Mikolaj"), ("Piotr", "Petro"), ("Wojciech",),
        ("Szymon", "Simon"), ("Ionut",), ("Maksym", "Maxim", "Maksim"),
        ("Yurii", "Yuri", "Jurij"), ("Bartosz",), ("Kacper", "Casper"), ("Vasile", "Vasyl"),
    ),
    "sikh_hindu": (
        ("Arjun",), ("Aarav", "Arav"), ("Harjit", "Harjeet"), ("Gurpreet", "Gurprit"),
        ("Manpreet", "Manprit"), ("Jaspreet", "Jasprit"), ("Rohan",), ("Vihaan", "Vihan"),
        ("Krishna", "Krishan"), ("Dev",), ("Karan", "Karn"), ("Ravi",), ("Aditya", "Aditiya"),
        ("Jaskaran", "Jaskarn"), ("Hardeep", "Hardip"),
    ),
    "west_african": (
        ("Oluwaseun",), ("Chinedu",), ("Emeka",), ("Tobiloba",), ("Kwame",), ("Kofi",),
        ("Ayodele",), ("Chukwuemeka",), ("Olumide",), ("Babatunde",), ("David",),
        ("Emmanuel", "Emanuel"), ("Joshua",), ("Kwabena",), ("Obinna",), ("Samuel",),
    ),
    "arabic_somali": (
        ("Abdi",), ("Abdirahman", "Abdurahman", "Abdulrahman"), ("Mustafa", "Mostafa"),
        ("Khalid", "Khaled"), ("Ahmed", "Ahmad"), ("Mahad",), ("Yasin", "Yaseen", "Yassin"),
        ("Saeed", "Said", "Sayed"), ("Osman", "Othman", "Usman"), ("Jamal",),
        ("Karim", "Kareem"), ("Abdiaziz", "Abdulaziz"),
    ),
    "east_asian": (
        ("Wei",), ("Hao",), ("Jun", "Joon"), ("Minh",), ("Duc", "Đức"), ("Tuan", "Tuấn"),
        ("Zhihao", "Zhi Hao"), ("Kai",), ("Bao", "Bảo"), ("Jian", "Chien"),
    ),
}

GIRLS: dict[str, tuple[Spellings, ...]] = {
    "english": (
        ("Olivia",), ("Amelia",), ("Isla",), ("Ava",), ("Ivy",), ("Freya",),
        ("Lily", "Lilly", "Lili"), ("Florence",), ("Mia",), ("Willow",), ("Rosie", "Rosy"),
        ("Sophia", "Sofia"), ("Isabella",), ("Grace",), ("Daisy",), ("Sienna", "Siena"),
        ("Poppy",), ("Elsie",), ("Emily",), ("Ella",), ("Evie", "Evey"), ("Phoebe",),
        ("Chloe",), ("Jessica",), ("Megan", "Meghan"), ("Caitlin", "Kaitlyn", "Katelyn"),
        ("Leah", "Lea", "Lia"), ("Niamh", "Neve", "Neeve"), ("Siobhan", "Shivaun"),
        ("Ellie", "Elly"), ("Hannah", "Hanna"), ("Lauren",), ("Courtney", "Kourtney"),
        ("Chelsea",), ("Paige",), ("Shannon",), ("Bethany",), ("Rhiannon",), ("Zara", "Zarah"),
        ("Scarlett", "Scarlet"), ("Harper",), ("Ruby",), ("Maisie", "Maisy", "Maizie"),
        ("Gracie",), ("Eleanor", "Elinor"), ("Imogen",), ("Katie", "Katy"),
        ("Kayleigh", "Kayley", "Kaylee"), ("Abigail",), ("Erin",), ("Charlotte",),
        ("Elizabeth",), ("Amber",), ("Jasmine", "Jasmin"), ("Tegan", "Teagan"),
    ),
    "south_asian_muslim": (
        ("Aisha", "Ayesha", "Aysha", "Aishah"), ("Fatima", "Fatimah", "Fatema"),
        ("Maryam", "Mariam", "Maryum"), ("Zainab", "Zaynab", "Zeinab"), ("Hafsa", "Hafsah"),
        ("Khadija", "Khadijah", "Khadeeja"), ("Amina", "Aminah", "Ameena"),
        ("Inaya", "Inaaya"), ("Safa",), ("Hana", "Hanaa"), ("Sana", "Sanaa"), ("Noor", "Nur"),
        ("Iqra",), ("Anaya",), ("Sumaiya", "Sumaya", "Somaya"),
        ("Ruqayyah", "Ruqaiya", "Rukaya"), ("Mahnoor",), ("Alisha", "Alesha"),
        ("Haleema", "Halima", "Halimah"), ("Eman", "Iman"),
    ),
    "eastern_european": (
        ("Zofia", "Sofiya"), ("Yuliia", "Yulia", "Julia", "Iuliia"), ("Oksana",),
        ("Natalia", "Nataliya", "Natalya"), ("Wiktoria", "Viktoria", "Victoria"),
        ("Anastasia", "Anastasiya"), ("Maja", "Maya"), ("Kateryna", "Katerina", "Ekaterina"),
        ("Alina",), ("Ioana", "Joanna"), ("Daria", "Darya", "Dariia"), ("Zuzanna", "Zuzana"),
        ("Agnieszka",), ("Olena", "Elena", "Alena"),
    ),
    "sikh_hindu": (
        ("Priya", "Pria"), ("Ananya", "Anania"), ("Simran", "Simren"), ("Harleen", "Harlene"),
        ("Navneet", "Navnit"), ("Kiran", "Keeran"), ("Diya", "Dia"), ("Isha", "Eesha"),
        ("Anika", "Annika"), ("Jasleen", "Jaslene"), ("Meera", "Mira"), ("Pooja", "Puja"),
        ("Gurleen", "Gurlene"), ("Mandeep", "Mandip"),
    ),
    "west_african": (
        ("Adaeze",), ("Chiamaka",), ("Folasade", "Folashade"), ("Temitope",), ("Abena",),
        ("Ama",), ("Esther",), ("Blessing",), ("Precious",), ("Favour", "Favor"),
        ("Oluwatoyin",), ("Ngozi",), ("Adwoa", "Adjoa"), ("Chidinma",), ("Akosua",),
    ),
    "arabic_somali": (
        ("Hodan",), ("Ayan",), ("Sagal",), ("Hibaq", "Hibo"), ("Layla", "Laila", "Leila"),
        ("Yasmin", "Yasmine"), ("Nasra",), ("Fadumo", "Faduma", "Fatuma"), ("Muna", "Mona"),
        ("Salma",), ("Rania", "Raniya"), ("Ikran", "Ikraan"),
    ),
    "east_asian": (
        ("Mei", "May"), ("Xinyi", "Xin Yi"), ("Lina", "Li Na"), ("Lan",), ("Linh",),
        ("Ngoc", "Ngọc"), ("Hui",), ("Ying",), ("Yan",), ("Thao", "Thảo"),
    ),
}

SURNAMES: dict[str, tuple[Spellings, ...]] = {
    "english": (
        ("Smith",), ("Jones",), ("Williams",), ("Taylor",), ("Brown",), ("Davies", "Davis"),
        ("Evans",), ("Wilson",), ("Thomas",), ("Johnson",), ("Roberts",), ("Robinson",),
        ("Thompson", "Thomson"), ("Wright",), ("Walker",), ("White",), ("Edwards",),
        ("Hughes",), ("Green",), ("Hall",), ("Lewis",), ("Harris",), ("Clarke", "Clark"),
        ("Jackson",), ("Wood",), ("Turner",), ("Martin",), ("Cooper",), ("Hill",), ("Ward",),
        ("Morris",), ("Moore",), ("Clayton",), ("Lee", "Leigh"), ("King",), ("Baker",),
        ("Harrison",), ("Morgan",), ("Allen", "Allan"), ("James",), ("Scott",),
        ("Phillips", "Philips"), ("Watson",), ("Davidson",), ("Parker",), ("Price",),
        ("Bennett", "Bennet"), ("Young",), ("Griffiths", "Griffith"), ("Mitchell",),
        ("Kelly", "Kelley"), ("Cook", "Cooke"), ("Carter",), ("Richardson",),
        ("Bailey", "Baily"), ("Collins",), ("Bell",), ("Shaw",), ("Murphy",), ("Miller",),
        ("Cox",), ("Richards",), ("Marshall",), ("Simpson",), ("Ellis",), ("Adams",),
        ("O'Brien", "OBrien", "O Brien"), ("McDonald", "MacDonald"), ("O'Neill", "O'Neil"),
        ("Gallagher",), ("Doherty", "Docherty"), ("McLeod", "MacLeod"), ("Fletcher",),
        ("Atkinson",), ("Holmes",), ("Lloyd",), ("Pearson",), ("Stephenson", "Stevenson"),
    ),
    "south_asian_muslim": (
        ("Khan",), ("Ahmed", "Ahmad"), ("Hussain", "Hussein", "Husain"), ("Ali",),
        ("Rahman", "Rehman"), ("Begum",), ("Mahmood", "Mahmud", "Mehmood"),
        ("Chowdhury", "Choudhury", "Chaudhry", "Chaudhary"), ("Iqbal",), ("Akhtar", "Akhter"),
        ("Malik",), ("Shah",), ("Butt",), ("Mohammed", "Muhammad", "Mohammad"),
        ("Uddin", "Udin"), ("Islam",), ("Miah", "Meah"), ("Siddiqui", "Siddiqi"),
        ("Rashid", "Rasheed"), ("Yousaf", "Yousuf", "Yusuf"), ("Qureshi", "Kureshi"),
        ("Javed", "Javaid"),
    ),
    "eastern_european": (
        ("Kowalski",), ("Nowak",), ("Wiśniewski", "Wisniewski"), ("Popescu",),
        ("Shevchenko", "Ševčenko"), ("Kovalenko", "Kowalenko"), ("Lewandowski",), ("Ionescu",),
        ("Bondarenko",), ("Tkachenko", "Tkatchenko"), ("Zieliński", "Zielinski"),
        ("Kamiński", "Kaminski"), ("Popa",), ("Melnyk", "Melnik"), ("Kozak",),
        ("Wójcik", "Wojcik"), ("Dumitru",), ("Horvath", "Horváth"),
    ),
    "sikh_hindu": (
        ("Singh", "Sing"), ("Kaur", "Kour"), ("Patel",), ("Sharma",), ("Gill",),
        ("Sandhu", "Sandu"), ("Dhillon", "Dhilon"), ("Sidhu",), ("Mistry", "Mistri"),
        ("Kumar",), ("Chauhan", "Chohan"), ("Bains", "Bhains"), ("Grewal",), ("Parmar",),
        ("Johal",), ("Bhatti", "Bhatt"),
    ),
    "west_african": (
        ("Okafor",), ("Adeyemi",), ("Okonkwo",), ("Mensah",), ("Owusu",), ("Boateng",),
        ("Adebayo",), ("Oladipo",), ("Nwosu",), ("Asante",), ("Eze",), ("Afolabi",),
        ("Ogunleye",), ("Osei",), ("Agyemang", "Agyeman"), ("Oyelaran",), ("Danquah",),
    ),
    "arabic_somali": (
        ("Mohamed", "Mohammed", "Muhammad"), ("Hassan", "Hasan"), ("Abdi",), ("Farah",),
        ("Osman", "Othman"), ("Ibrahim",), ("Warsame",), ("Abdullahi", "Abdillahi"),
        ("Nur", "Noor"), ("Jama",), ("Haji", "Hajji"), ("Said", "Saeed"),
        ("Al-Hashimi", "Al Hashimi", "Alhashimi"), ("Yusuf", "Yousef"),
    ),
    "east_asian": (
        ("Nguyen", "Nguyễn"), ("Tran", "Trần"), ("Le", "Lê"), ("Pham", "Phạm"), ("Wang",),
        ("Zhang", "Cheung"), ("Li", "Lee"), ("Chen", "Chan"), ("Liu", "Lau"),
        ("Huang", "Wong"), ("Zhou", "Chow"), ("Wu", "Ng"), ("Lin", "Lam"),
    ),
}

#: Short forms a child is known by, for the commonest spelling of a forename (lower case).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "thomas": ("Tom", "Tommy"), "william": ("Will", "Billy"), "james": ("Jim", "Jimmy"),
    "joseph": ("Joe", "Joey"), "samuel": ("Sam", "Sammy"), "daniel": ("Dan", "Danny"),
    "joshua": ("Josh",), "jacob": ("Jake",), "matthew": ("Matt",), "benjamin": ("Ben", "Benji"),
    "nathan": ("Nate",), "zachary": ("Zac", "Zack"), "alexander": ("Alex", "Sasha"),
    "harrison": ("Harry",), "frederick": ("Fred",), "oliver": ("Ollie",),
    "jessica": ("Jess", "Jessie"), "isabella": ("Bella", "Izzy"), "eleanor": ("Ellie", "Nell"),
    "abigail": ("Abbie", "Abby"), "olivia": ("Liv",), "amelia": ("Millie", "Amy"),
    "florence": ("Flo",), "elizabeth": ("Beth", "Lizzie", "Libby"), "charlotte": ("Lottie",),
    "katie": ("Kate",), "bethany": ("Beth",), "gracie": ("Grace",),
    "muhammad": ("Mo",), "ibrahim": ("Ibby",), "abdullah": ("Abdul",), "hamza": ("Hamz",),
    "oluwaseun": ("Seun",), "tobiloba": ("Tobi",), "ayodele": ("Ayo",),
    "babatunde": ("Tunde",), "chukwuemeka": ("Emeka",), "temitope": ("Temi", "Tope"),
    "folasade": ("Shade",), "oluwatoyin": ("Toyin",), "chiamaka": ("Amaka",),
    "aleksander": ("Olek", "Sasha"), "dmytro": ("Dima",), "anastasia": ("Nastya",),
    "kateryna": ("Katya",), "mykola": ("Kolya",), "wojciech": ("Wojtek",),
    "natalia": ("Natasha",), "yurii": ("Yura",), "zuzanna": ("Zuza",),
    "abdirahman": ("Abdi",), "mustafa": ("Musti",), "fadumo": ("Fadi",),
    "jaskaran": ("Jas",), "jaspreet": ("Jas",), "gurpreet": ("Guri",),
}
