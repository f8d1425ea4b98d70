#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
Installs or upgrades entra-pta-exporter as a Windows service on a PTA agent
server.

.DESCRIPTION
Run it from the unpacked ZIP, in an elevated PowerShell:

  powershell -ExecutionPolicy Bypass -File .\install.ps1

It copies the files to -InstallDir, writes the default configuration to
-ConfigDir if there is none yet (an existing one is kept), checks the
configuration, registers the service with `entra_pta_exporter.exe --service
install` (automatic start, LocalSystem, Application Event Log source), sets
its recovery options (restart after 10 s, 30 s, 60 s; also on a non-zero
exit), starts it and waits until it answers /health.

Run again to upgrade: it stops the service, replaces the files, registers
the service again with the flags given and starts it. It opens no inbound
firewall port unless -OpenFirewall is given; then one rule, named
"entra-pta-exporter (TCP-In)", allows TCP to the listen port only.

.PARAMETER InstallDir
Where the program files go. Default: $env:ProgramFiles\entra-pta-exporter.

.PARAMETER ConfigDir
Where the configuration (entra-pta-exporter.yml) and the exporter's state
live. Default: $env:ProgramData\entra-pta-exporter. When created, it is
readable by SYSTEM and Administrators only.

.PARAMETER ListenAddress
The exporter's --web.listen-address (overrides web.listen_address of the
configuration file). Default: ":9847".

.PARAMETER OpenFirewall
Create (or update) the inbound Windows Firewall rule for the listen port.

.PARAMETER FirewallRemoteAddress
With -OpenFirewall: the addresses allowed to connect, e.g. your Prometheus
servers ("10.0.0.5", "10.0.0.0/24"). Default: any.

.PARAMETER FirewallProfile
With -OpenFirewall: the firewall profiles of the rule. Default: Domain.
#>
[CmdletBinding()]
param(
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'entra-pta-exporter'),
    [string]$ConfigDir = (Join-Path $env:ProgramData 'entra-pta-exporter'),
    [string]$ListenAddress = ':9847',
    [switch]$OpenFirewall,
    [string[]]$FirewallRemoteAddress = @('Any'),
    [string[]]$FirewallProfile = @('Domain')
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$ServiceName = 'entra_pta_exporter'
$ExeName = 'entra_pta_exporter.exe'
$ConfigName = 'entra-pta-exporter.yml'
$FirewallRuleName = 'entra-pta-exporter-tcp-in'
$FirewallRuleDisplayName = 'entra-pta-exporter (TCP-In)'
# What the ZIP must hold for this script to work (checked on Linux by
# tests/packaging/test_windows_package.py against cmake/Packaging.cmake).
$RequiredFiles = @($ExeName, $ConfigName, 'install.ps1', 'uninstall.ps1', 'README.md')

function Get-ListenPort([string]$Address) {
    # ":9847", "0.0.0.0:9847", "[::]:9847", "host:9847"
    if ($Address -notmatch ':(\d{1,5})$') {
        throw "ListenAddress '$Address' has no port (e.g. :9847)"
    }
    $port = [int]$Matches[1]
    if ($port -lt 1 -or $port -gt 65535) {
        throw "ListenAddress '$Address': port $port is out of range"
    }
    return $port
}

function Test-ServiceInstalled([string]$Name) {
    $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $service) { return $false }
    # A ServiceController keeps a handle to the service open; while any
    # handle is open a deleted service stays "marked for deletion".
    $service.Dispose()
    return $true
}

function Stop-ExporterService {
    $service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
    if ($null -eq $service) { return }
    try {
        if ($service.Status -ne 'Stopped') {
            Write-Host "Stopping service $ServiceName"
            $service.Stop()
            $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
        }
    } finally {
        $service.Dispose()
    }
}

function Invoke-Exporter([string[]]$Arguments) {
    $exe = Join-Path $InstallDir $ExeName
    & $exe @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "$ExeName $($Arguments -join ' ') failed with exit status $LASTEXITCODE"
    }
}

$source = $PSScriptRoot
foreach ($file in $RequiredFiles) {
    if (-not (Test-Path -LiteralPath (Join-Path $source $file))) {
        throw "$file is missing next to install.ps1: run it from the unpacked ZIP"
    }
}
$port = Get-ListenPort $ListenAddress

# 1. An installed service (an upgrade) stops first, so its files can be
#    replaced.
$upgrade = Test-ServiceInstalled $ServiceName
Stop-ExporterService

# 2. The program files.
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
$sourcePath = (Resolve-Path -LiteralPath $source).Path.TrimEnd('\')
$installPath = (Resolve-Path -LiteralPath $InstallDir).Path.TrimEnd('\')
$sameDir = $sourcePath -eq $installPath
if (-not $sameDir) {
    Write-Host "Copying files to $InstallDir"
    Copy-Item -Path (Join-Path $source '*') -Destination $InstallDir -Recurse -Force
}

# 3. The configuration: the shipped default when there is none yet. A new
#    directory is readable by SYSTEM (the service) and Administrators only:
#    it may name client secrets, and it holds the exporter's state.
$configFile = Join-Path $ConfigDir $ConfigName
if (-not (Test-Path -LiteralPath $ConfigDir)) {
    New-Item -ItemType Directory -Path $ConfigDir | Out-Null
    & icacls.exe $ConfigDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "icacls failed on $ConfigDir" }
}
if (-not (Test-Path -LiteralPath $configFile)) {
    Write-Host "Writing the default configuration to $configFile"
    Copy-Item -LiteralPath (Join-Path $source $ConfigName) -Destination $configFile
} else {
    Write-Host "Keeping the existing configuration $configFile"
}
Invoke-Exporter @("--config.check=$configFile")

# 4. The service, registered again so that it runs the flags given now.
if ($upgrade) {
    Invoke-Exporter @('--service', 'uninstall')
    for ($i = 0; $i -lt 60 -and (Test-ServiceInstalled $ServiceName); $i++) {
        Start-Sleep -Milliseconds 500
    }
}
Invoke-Exporter @('--service', 'install', "--config.file=$configFile",
                  "--web.listen-address=$ListenAddress")

# 5. Recovery: restart after 10 s, 30 s and 60 s, forget failures after a
#    day, and count a non-zero exit as a failure too. --service install sets
#    the same; setting it here keeps an upgraded installation in line.
& sc.exe failure $ServiceName reset= 86400 actions= restart/10000/restart/30000/restart/60000 | Out-Null
if ($LASTEXITCODE -ne 0) { throw "sc.exe failure $ServiceName failed ($LASTEXITCODE)" }
& sc.exe failureflag $ServiceName 1 | Out-Null
if ($LASTEXITCODE -ne 0) { throw "sc.exe failureflag $ServiceName failed ($LASTEXITCODE)" }

# 6. The firewall: nothing unless asked.
if ($OpenFirewall) {
    $program = Join-Path $InstallDir $ExeName
    $rule = Get-NetFirewallRule -Name $FirewallRuleName -ErrorAction SilentlyContinue
    if ($null -ne $rule) {
        Remove-NetFirewallRule -Name $FirewallRuleName
    }
    Write-Host "Allowing inbound TCP $port to $ExeName (rule '$FirewallRuleDisplayName')"
    New-NetFirewallRule -Name $FirewallRuleName -DisplayName $FirewallRuleDisplayName `
        -Description 'Prometheus scrapes of entra-pta-exporter' `
        -Direction Inbound -Action Allow -Protocol TCP -LocalPort $port `
        -Program $program -RemoteAddress $FirewallRemoteAddress `
        -Profile $FirewallProfile | Out-Null
}

# 7. Start, and wait until it serves.
Start-Service -Name $ServiceName
$healthy = $false
for ($i = 0; $i -lt 30 -and -not $healthy; $i++) {
    & (Join-Path $InstallDir $ExeName) health-check "--web.listen-address=$ListenAddress" | Out-Null
    $healthy = ($LASTEXITCODE -eq 0)
    if (-not $healthy) { Start-Sleep -Seconds 1 }
}
if (-not $healthy) {
    throw "service $ServiceName started but does not answer /health on $ListenAddress; see the Application event log (source $ServiceName)"
}
$verb = if ($upgrade) { 'Upgraded' } else { 'Installed' }
Write-Host "$verb ${ServiceName}: serving on $ListenAddress (configuration $configFile)"
