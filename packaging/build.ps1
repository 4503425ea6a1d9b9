# Build the wavenetlike app for Windows with PyInstaller, zip it and run its self-test.
#
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1 [-Python PY] [-Venv DIR] [-NoExcludes] [-NoSelfTest]
#
# Python: -Python uses that interpreter as is (it needs the project's
# dependencies and pyinstaller); otherwise a venv in packaging\.build-venv (or
# -Venv DIR) is created and filled: torch first, pinned by constraints.txt
# (PyPI's Windows torch wheels are CPU builds), then the project's
# dependencies and pyinstaller.
# Output: dist\wavenetlike\ (wavenetlike.exe, windowed; wavenetlike-console.exe,
# the same app with a console, for --self-test), and
# dist\wavenetlike-<version>-windows-<arch>.zip. The build time, sizes and
# self-test output are appended to packaging\BUILD_REPORT.md.
param(
    [string]$Python = "",
    [string]$Venv = "",
    [switch]$NoExcludes,
    [switch]$NoSelfTest
)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root
$Constraints = Join-Path $Root "constraints.txt"
$CArgs = @()
if (Test-Path $Constraints) { $CArgs = @("-c", $Constraints) }

if (-not $Python) {
    if (-not $Venv) { $Venv = Join-Path $Root "packaging\.build-venv" }
    $Python = Join-Path $Venv "Scripts\python.exe"
    if (-not (Test-Path $Python)) {
        Write-Host "== creating build venv $Venv"
        py -3 -m venv $Venv
    }
    & $Python -c "import torch" 2>$null
    if ($LASTEXITCODE -ne 0) { & $Python -m pip install @CArgs torch; if ($LASTEXITCODE) { throw "torch install failed" } }
    $Deps = & $Python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print(' '.join(p['dependencies'] + p['optional-dependencies']['gui']))"
    & $Python -m pip install @CArgs @($Deps -split ' ') pyinstaller
    if ($LASTEXITCODE) { throw "dependency install failed" }
}

$Version = & $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
$Arch = if ([Environment]::Is64BitOperatingSystem) { "x86_64" } else { "x86" }
if ($env:PROCESSOR_ARCHITECTURE -eq "ARM64") { $Arch = "arm64" }
$Name = "wavenetlike-$Version-windows-$Arch"
$Dist = Join-Path $Root "dist"
$Work = Join-Path $Root "build\pyinstaller"

$env:WAVENETLIKE_EXCLUDES = if ($NoExcludes) { "0" } else { "1" }
$Timer = [Diagnostics.Stopwatch]::StartNew()
& $Python -m PyInstaller --noconfirm --clean --log-level WARN --distpath $Dist --workpath $Work packaging\wavenetlike.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }
$BuildSeconds = [int]$Timer.Elapsed.TotalSeconds
$App = Join-Path $Dist "wavenetlike"
$Files = Get-ChildItem $App -Recurse -File
$FolderBytes = ($Files | Measure-Object -Property Length -Sum).Sum
Write-Host ("== built {0}: {1:N0} MiB, {2} files, in {3} s" -f $App, ($FolderBytes / 1MB), $Files.Count, $BuildSeconds)

$ArchiveLine = "not made"
if (-not $NoExcludes) {
    $Zip = Join-Path $Dist "$Name.zip"
    if (Test-Path $Zip) { Remove-Item $Zip }
    Compress-Archive -Path $App -DestinationPath $Zip
    $ArchiveLine = "{0}.zip: {1:N0} MiB ({2} bytes)" -f $Name, ((Get-Item $Zip).Length / 1MB), (Get-Item $Zip).Length
    Write-Host "== archive $ArchiveLine"
}

$SelfStatus = "not run"
$SelfOutput = ""
if (-not $NoSelfTest) {
    $env:QT_QPA_PLATFORM = "offscreen"
    $SelfOutput = (& (Join-Path $App "wavenetlike-console.exe") --self-test 2>&1 | Out-String)
    $SelfRc = $LASTEXITCODE
    Remove-Item Env:QT_QPA_PLATFORM
    Write-Host $SelfOutput
    $SelfStatus = "exit status $SelfRc"
}

$Report = Join-Path $Root "packaging\BUILD_REPORT.md"
if (-not (Test-Path $Report)) { "# Build report`n`n## Build records" | Set-Content $Report -Encoding utf8 }
$Py = & $Python --version
$Lines = @("", "### $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC - Windows build (exclusions $(if ($NoExcludes) {'off'} else {'on'}))", "",
    "- host: Windows $([Environment]::OSVersion.Version) $Arch, $([Environment]::ProcessorCount) cores; $Py",
    "- build time (PyInstaller, --clean): $BuildSeconds s",
    ("- app folder: {0:N0} MiB ({1} bytes), {2} files" -f ($FolderBytes / 1MB), $FolderBytes, $Files.Count),
    "- archive: $ArchiveLine",
    "- frozen self-test: $SelfStatus")
if ($SelfOutput) { $Lines += @("", '```', $SelfOutput.TrimEnd(), '```') }
Add-Content -Path $Report -Value $Lines -Encoding utf8
Write-Host "== recorded in $Report"
if (-not $NoSelfTest -and $SelfRc -ne 0) { throw "the frozen app's self-test failed (exit status $SelfRc)" }
