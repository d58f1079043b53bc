"""CMS's public definition lists for the coded fields (not per-code text).

Status codes and global days are those of the Physician Fee Schedule RVU file's
documentation; coverage, type of service and action codes those of the HCPCS record
layout; BETOS categories those of the Berenson-Eggers Type of Service classification.
"""

from __future__ import annotations

PFS_STATUS: dict[str, str] = {
    "A": "Active code, paid separately under the physician fee schedule",
    "B": "Bundled code: payment is included in other services, never paid separately",
    "C": "Carrier-priced code: the Medicare contractor sets the payment",
    "D": "Deleted code",
    "E": "Excluded from the fee schedule by regulation",
    "F": "Deleted or discontinued code, no grace period",
    "G": "Not valid for Medicare: another code is used instead",
    "H": "Deleted modifier for this code",
    "I": "Not valid for Medicare: an alternative code is used",
    "J": "Anesthesia service (no RVUs)",
    "M": "Measurement code, used for reporting only",
    "N": "Non-covered service",
    "P": "Bundled or excluded code (paid only in some settings)",
    "R": "Restricted coverage: special coverage instructions apply",
    "T": "Injection or minor service paid only when no other service is paid that day",
    "X": "Statutory exclusion: not in the fee schedule by law",
}

GLOBAL_DAYS: dict[str, str] = {
    "000": "Same-day global period (endoscopies, minor procedures)",
    "010": "10-day global period (minor procedures)",
    "090": "90-day global period (major surgery)",
    "MMM": "Maternity code: the usual global period does not apply",
    "XXX": "Global period concept does not apply",
    "YYY": "Global period set by the Medicare contractor",
    "ZZZ": "Add-on code, within the global period of another service",
}

COVERAGE: dict[str, str] = {
    "C": "Carrier judgment",
    "D": "Special coverage instructions apply",
    "I": "Not payable by Medicare",
    "M": "Non-covered by Medicare",
    "S": "Non-covered by Medicare statute",
}

TYPE_OF_SERVICE: dict[str, str] = {
    "0": "Whole blood",
    "1": "Medical care",
    "2": "Surgery",
    "3": "Consultation",
    "4": "Diagnostic radiology",
    "5": "Diagnostic laboratory",
    "6": "Therapeutic radiology",
    "7": "Anesthesia",
    "8": "Assistant at surgery",
    "9": "Other medical items or services",
    "A": "Used durable medical equipment",
    "B": "High risk screening mammography",
    "C": "Low risk screening mammography",
    "D": "Ambulance",
    "E": "Enteral/parenteral nutrients and supplies",
    "F": "Ambulatory surgical center",
    "G": "Immunosuppressive drugs",
    "H": "Hospice",
    "J": "Diabetic shoes",
    "K": "Hearing items and services",
    "L": "ESRD supplies",
    "M": "Monthly capitation payment for dialysis",
    "N": "Kidney donor",
    "P": "Lump sum purchase of DME, prosthetics, orthotics",
    "Q": "Vision items or services",
    "R": "Rental of DME",
    "S": "Surgical dressings or other medical supplies",
    "T": "Outpatient mental health treatment limitation",
    "U": "Occupational therapy",
    "V": "Pneumococcal/flu vaccine",
    "W": "Physical therapy",
    "Y": "Second opinion on elective surgery",
    "Z": "Third opinion on elective surgery",
}

ACTION: dict[str, str] = {
    "A": "Code added",
    "B": "Administrative data and long description changed",
    "C": "Long description changed",
    "D": "Code discontinued",
    "F": "Administrative data changed",
    "N": "No maintenance",
    "P": "Payment change",
    "R": "Discontinued code re-activated",
    "S": "Short description changed",
    "T": "Miscellaneous change (BETOS, type of service)",
}

BETOS_GROUPS: dict[str, str] = {
    "D": "Durable medical equipment",
    "I": "Imaging",
    "M": "Evaluation and management",
    "O": "Other services",
    "P": "Procedures",
    "T": "Tests",
    "Y": "Exceptions",
    "Z": "Unclassified",
}

BETOS: dict[str, str] = {
    "D1A": "Medical/surgical supplies",
    "D1B": "Hospital beds",
    "D1C": "Oxygen and supplies",
    "D1D": "Wheelchairs",
    "D1E": "Other DME",
    "D1F": "Prosthetic/orthotic devices",
    "D1G": "Drugs administered through DME",
    "I1A": "Standard imaging - chest",
    "I1B": "Standard imaging - musculoskeletal",
    "I1C": "Standard imaging - breast",
    "I1D": "Standard imaging - contrast gastrointestinal",
    "I1E": "Standard imaging - nuclear medicine",
    "I1F": "Standard imaging - other",
    "I2A": "Advanced imaging - CT: brain/head/neck",
    "I2B": "Advanced imaging - CT: other",
    "I2C": "Advanced imaging - MRI: brain/head/neck",
    "I2D": "Advanced imaging - MRI: other",
    "I3A": "Ultrasound - eye",
    "I3B": "Ultrasound - abdomen/pelvis",
    "I3C": "Ultrasound - heart",
    "I3D": "Ultrasound - carotid arteries",
    "I3E": "Ultrasound - prostate, transrectal",
    "I3F": "Ultrasound - other",
    "I4A": "Imaging/procedure - heart incl. cardiac catheterization",
    "I4B": "Imaging/procedure - other",
    "M1A": "Office visits - new",
    "M1B": "Office visits - established",
    "M2A": "Hospital visit - initial",
    "M2B": "Hospital visit - subsequent",
    "M2C": "Hospital visit - critical care",
    "M3": "Emergency room visit",
    "M4A": "Home visit",
    "M4B": "Nursing home visit",
    "M5A": "Specialist - pathology",
    "M5B": "Specialist - psychiatry",
    "M5C": "Specialist - ophthalmology",
    "M5D": "Specialist - other",
    "M6": "Consultations",
    "O1A": "Ambulance",
    "O1B": "Chiropractic",
    "O1C": "Enteral and parenteral",
    "O1D": "Chemotherapy",
    "O1E": "Other drugs",
    "O1F": "Hearing and speech services",
    "O1G": "Immunizations/vaccinations",
    "P0": "Anesthesia",
    "P1A": "Major procedure - breast",
    "P1G": "Major procedure - other",
    "P2D": "Major cardiovascular procedure - coronary angioplasty",
    "P2E": "Major cardiovascular procedure - pacemaker insertion",
    "P2F": "Major cardiovascular procedure - other",
    "P3D": "Major orthopedic procedure - other",
    "P4B": "Eye procedure - cataract removal/lens insertion",
    "P4D": "Eye procedure - treatment of retinal lesions",
    "P4E": "Eye procedure - other",
    "P5A": "Ambulatory procedure - skin",
    "P5B": "Ambulatory procedure - musculoskeletal",
    "P5E": "Ambulatory procedure - other",
    "P6A": "Minor procedure - skin",
    "P6B": "Minor procedure - musculoskeletal",
    "P6C": "Minor procedure - other",
    "P6D": "Minor procedure - other (non-fee schedule)",
    "P7A": "Oncology - radiation therapy",
    "P7B": "Oncology - other",
    "P8A": "Endoscopy - arthroscopy",
    "P8B": "Endoscopy - upper gastrointestinal",
    "P8C": "Endoscopy - sigmoidoscopy",
    "P8D": "Endoscopy - colonoscopy",
    "P8E": "Endoscopy - cystoscopy",
    "P8F": "Endoscopy - bronchoscopy",
    "P8I": "Endoscopy - other",
    "P9A": "Dialysis services (fee schedule)",
    "P9B": "Dialysis services (non-fee schedule)",
    "T1A": "Lab tests - routine venipuncture",
    "T1B": "Lab tests - automated general profiles",
    "T1C": "Lab tests - urinalysis",
    "T1D": "Lab tests - blood counts",
    "T1E": "Lab tests - glucose",
    "T1F": "Lab tests - bacterial cultures",
    "T1G": "Lab tests - other (fee schedule)",
    "T1H": "Lab tests - other (non-fee schedule)",
    "T2A": "Other tests - electrocardiograms",
    "T2B": "Other tests - cardiovascular stress tests",
    "T2C": "Other tests - EKG monitoring",
    "T2D": "Other tests - other",
    "Y1": "Other - fee schedule",
    "Y2": "Other - non-fee schedule",
    "Z1": "Local codes",
    "Z2": "Undefined codes",
}

# Who typically bills a service of a BETOS category (longest prefix wins). Classification
# level, never per code.
BETOS_SPECIALTIES: dict[str, list[str]] = {
    "D": ["DME supplier"],
    "D1F": ["Orthotist/prosthetist", "DME supplier"],
    "D1G": ["Pharmacy/DME supplier"],
    "I": ["Radiology"],
    "I1E": ["Nuclear medicine", "Radiology"],
    "I3C": ["Cardiology"],
    "I4A": ["Cardiology"],
    "M": ["Primary care", "Internal medicine"],
    "M2C": ["Critical care medicine"],
    "M3": ["Emergency medicine"],
    "M5A": ["Pathology"],
    "M5B": ["Psychiatry", "Behavioral health"],
    "M5C": ["Ophthalmology"],
    "M5D": ["Specialist physicians"],
    "O1A": ["Ambulance supplier"],
    "O1B": ["Chiropractic"],
    "O1C": ["Home infusion/nutrition supplier"],
    "O1D": ["Hematology/oncology"],
    "O1E": ["Physician office or outpatient drug administration"],
    "O1F": ["Audiology", "Speech-language pathology"],
    "O1G": ["Primary care", "Pharmacy"],
    "P": ["Surgery"],
    "P0": ["Anesthesiology"],
    "P2": ["Cardiology", "Cardiothoracic/vascular surgery"],
    "P3": ["Orthopedic surgery"],
    "P4": ["Ophthalmology"],
    "P5A": ["Dermatology"],
    "P6A": ["Dermatology"],
    "P7A": ["Radiation oncology"],
    "P7B": ["Hematology/oncology"],
    "P8": ["Gastroenterology", "Surgery"],
    "P8A": ["Orthopedic surgery"],
    "P8E": ["Urology"],
    "P8F": ["Pulmonology"],
    "P9": ["Nephrology"],
    "T": ["Clinical laboratory", "Pathology"],
    "T2": ["Cardiology"],
}

# Type-of-service codes that name a supplier or specialty more precisely than BETOS.
TOS_SPECIALTIES: dict[str, list[str]] = {
    "4": ["Radiology"],
    "5": ["Clinical laboratory"],
    "6": ["Radiation oncology"],
    "7": ["Anesthesiology"],
    "D": ["Ambulance supplier"],
    "K": ["Audiology"],
    "Q": ["Optometry/ophthalmology"],
    "U": ["Occupational therapy"],
    "W": ["Physical therapy"],
    "T": ["Behavioral health"],
    "L": ["Nephrology"],
    "H": ["Hospice"],
}


def betos_meaning(code: str | None) -> str | None:
    """The BETOS category in words, or its group's name where the category is not listed."""
    if not code:
        return None
    return BETOS.get(code) or BETOS_GROUPS.get(code[0])


def likely_specialties(
    betos: str | None, type_of_service: list[str], category_id: str
) -> list[str]:
    """Specialties that typically bill this kind of service: BETOS, type of service, category."""
    found: list[str] = []
    for tos in type_of_service:
        found += TOS_SPECIALTIES.get(tos, [])
    if betos:
        for length in range(len(betos), 0, -1):
            if betos[:length] in BETOS_SPECIALTIES:
                found += BETOS_SPECIALTIES[betos[:length]]
                break
    if not found:
        found = list(CATEGORY_SPECIALTIES.get(category_id, []))
    return list(dict.fromkeys(found))


# Fallback by category where a code carries no BETOS or type of service (CPT from the RVU file).
CATEGORY_SPECIALTIES: dict[str, list[str]] = {
    "cpt-anesthesia": ["Anesthesiology"],
    "cpt-surgery": ["Surgery"],
    "cpt-radiology": ["Radiology"],
    "cpt-pathology": ["Pathology", "Clinical laboratory"],
    "cpt-em": ["Primary care", "All specialties (visits)"],
    "cpt-medicine": ["Medicine specialties"],
    "hcpcs-d": ["Dentistry"],
    "hcpcs-e": ["DME supplier"],
    "hcpcs-k": ["DME supplier"],
    "hcpcs-l": ["Orthotist/prosthetist"],
    "hcpcs-p": ["Pathology", "Clinical laboratory"],
    "hcpcs-r": ["Radiology"],
    "hcpcs-v": ["Optometry", "Audiology", "Speech-language pathology"],
}
