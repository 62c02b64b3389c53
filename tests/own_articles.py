"""Short German and English articles of our own (invented people) shared by the actor and link tests."""

from geoapp.model import Place

DE_NOVAK = (
    "Die slowakische Präsidentin Zuzana Novak ist am Montag zu einem Besuch in Wien eingetroffen. "
    "Novak traf dort den österreichischen Bundeskanzler. Wie die Nachrichtenagentur dpa berichtete, "
    "sprach Novak in Wien auch über Gaslieferungen."
)
DE_TARVENKO = (
    "Der ukrainische Verteidigungsminister Oleh Tarvenko besuchte am Mittwoch Truppen in Charkiw. "
    "Dort sprach Tarvenko mit Soldaten über die Lage an der Front. Russische Medien berichteten, "
    "Tarvenko sei auch in Isjum gewesen. Laut Tass wurde Charkiw in der Nacht erneut beschossen."
)
EN_KOVALSKA = (
    "Slovak President Marta Kovalska arrived in Vienna on Monday for talks on gas transit. "
    "She later met Austrian ministers in Graz. Kovalska's visit was first reported by Reuters. "
    "According to Reuters, the talks in Vienna lasted four hours."
)
EN_BRENNER = (
    "Chilean foreign minister Alejandro Brenner arrived in Buenos Aires on Tuesday. "
    "There, Brenner signed a water-sharing deal with Argentine officials. "
    "Brenner said his government would fund a new road near Mendoza, AFP reported."
)


#: Where the places of these articles are, as the place stage would resolve them.
OWN_PLACES = {
    "Wien": Place("Vienna", 48.21, 16.37, "AT", "city", 2761369),
    "Vienna": Place("Vienna", 48.21, 16.37, "AT", "city", 2761369),
    "Graz": Place("Graz", 47.07, 15.44, "AT", "city", 2778067),
    "Charkiw": Place("Kharkiv", 50.0, 36.23, "UA", "city", 706483),
    "Isjum": Place("Izium", 49.21, 37.26, "UA", "city", 707308),
    "Buenos Aires": Place("Buenos Aires", -34.61, -58.38, "AR", "city", 3435910),
    "Mendoza": Place("Mendoza", -32.89, -68.83, "AR", "city", 3844421),
}
