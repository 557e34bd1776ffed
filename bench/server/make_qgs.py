"""Writes a QGIS project with one layer, the hazards table of a GeoPackage,
published for WFS and OGC API - Features (QGIS Server's /wfs3).

usage: /usr/bin/python3 make_qgs.py GPKG TABLE OUT.qgs

Uses the QGIS Python bindings (Debian python3-qgis), so that the project is
what QGIS itself writes, not a hand-made XML file.
"""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer  # noqa: E402


def main():
    gpkg, table, out = sys.argv[1:4]
    app = QgsApplication([], False)
    app.initQgis()
    layer = QgsVectorLayer(f"{gpkg}|layername={table}", table, "ogr")
    if not layer.isValid():
        sys.exit(f"make_qgs: cannot open {table} in {gpkg}")
    project = QgsProject.instance()
    project.setTitle("demine bench")
    project.setCrs(layer.crs())
    project.addMapLayer(layer)
    # WFS (and so WFS3 / OGC API - Features) publishes the layers listed here
    project.writeEntry("WFSLayers", "/", [layer.id()])
    project.writeEntry("WFSLayersPrecision", "/" + layer.id(), 7)
    project.writeEntry("WFSUrl", "/", "")
    if not project.write(out):
        sys.exit(f"make_qgs: cannot write {out}")
    print(f"{layer.featureCount()} features, layer id {layer.id()}", file=sys.stderr)
    app.exitQgis()


main()
