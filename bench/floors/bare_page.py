"""Floor page for bench/bench_explorer.py: a bare Streamlit page (the framework's own load)."""

import streamlit as st

st.title("bare page")
st.write("ready")
