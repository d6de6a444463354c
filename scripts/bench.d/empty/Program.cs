// Nothing: what exec of a NativeAOT binary costs before any plugin code runs.
return 0;
