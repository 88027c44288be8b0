"""Streamlit page for tests/test_browser_offline.py: a localized folium map with no tiles.

It holds one GeoJson polygon layer, a MarkerCluster (three lone markers, one of them an
awesome-markers icon with a Glyphicon, and a bubble of three) and a HeatMap, and shows it
with ``st_folium``.
With no tile layer the map itself must carry ``maxZoom`` (a tile layer usually supplies
it), or MarkerCluster throws "Map has no maxZoom specified" and the map stays half drawn.
``OFFLINE_PAGE_SKIP_LOCALIZE=1`` leaves folium's CDN URLs in place (the negative control).
"""

from __future__ import annotations

import os

import folium
import streamlit as st
from folium.plugins import HeatMap, MarkerCluster
from streamlit_folium import st_folium

from layers.assets import localize

SEOUL = (37.5665, 126.9780)
DONG = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "test-dong"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [126.960, 37.555],
                        [126.995, 37.555],
                        [126.995, 37.580],
                        [126.960, 37.580],
                        [126.960, 37.555],
                    ]
                ],
            },
        }
    ],
}

st.title("offline map")
m = folium.Map(location=SEOUL, zoom_start=13, tiles=None, maxZoom=18)
folium.GeoJson(DONG, name="dong", style_function=lambda _: {"color": "#d33", "weight": 3}).add_to(m)
cluster = MarkerCluster(name="places").add_to(m)
folium.Marker((37.560, 126.965), tooltip="plain").add_to(cluster)
folium.Marker((37.575, 126.990), icon=folium.Icon(color="green", icon="home")).add_to(cluster)
folium.Marker((37.5665, 126.9780), tooltip="centre").add_to(cluster)
for i in range(3):  # close enough to merge into one cluster bubble at zoom 13
    folium.Marker((37.5700 + i * 0.0003, 126.9650)).add_to(cluster)
HeatMap([(37.565 + i * 0.001, 126.975 + i * 0.001, 1.0) for i in range(20)]).add_to(m)
if os.environ.get("OFFLINE_PAGE_SKIP_LOCALIZE") != "1":
    localize(m)
st_folium(m, returned_objects=[], height=500, width=700, key="offline-map")
