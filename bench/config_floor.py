#!/usr/bin/env python3
"""The floor under omero-py's `config get KEY`: parse config.xml with
ElementTree and look the key up in the active profile (omero-py also imports
Ice and its plugins first). Usage: config_floor.py FILE KEY"""
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
active = "default"
for props in root.findall("./properties"):
    if props.get("id") == "__ACTIVE__":
        for p in props.findall("./property"):
            if p.get("name") == "omero.config.profile":
                active = p.get("value")
for props in root.findall("./properties"):
    if props.get("id") == active:
        for p in props.findall("./property"):
            if p.get("name") == sys.argv[2]:
                print(p.get("value"))
