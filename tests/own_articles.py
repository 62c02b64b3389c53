"""Short German and English articles of our own (invented people) shared by the actor and link tests."""

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
