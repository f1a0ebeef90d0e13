"""Demand forecasts per force and crime type, proved against simple baselines by rolling-origin
backtests (``openpeel forecast``)."""
