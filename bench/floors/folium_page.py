"""Floor page for bench/bench_explorer.py: folium + st_folium, outlines and 5,000 markers.

What the explorer was before its own component: the same district and dong outlines and
5,000 resources as circle markers with popups, drawn by streamlit-folium. A toggle drops one
kind (the filter change the bench times).
"""

import streamlit as st
from streamlit_folium import st_folium

from geo import queries
from geo.access import PUBLIC
from layers import maps


@st.cache_data
def _data(drop: bool):
    shown = queries.resources(PUBLIC, limit=5000)
    return (
        queries.outlines_geojson("district", simplify_m=5),
        queries.outlines_geojson("dong", simplify_m=5),
        shown[shown["kind"] != "other"] if drop else shown,
    )


drop = st.toggle("drop one kind", key="drop")
districts, dongs, shown = _data(drop)
m = maps.base_map(districts, dongs, attribution="NGII", lang="ko")
for group in maps.resource_groups(shown, lang="ko"):
    group.add_to(m)
st_folium(maps.finish(m), height=560, use_container_width=True, key="floor")
