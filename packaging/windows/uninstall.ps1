#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
Removes the entra-pta-exporter service, its firewall rule and its program
files.

.DESCRIPTION
Run in an elevated PowerShell:

  powershell -ExecutionPolicy Bypass -File "$env:ProgramFiles\entra-pta-exporter\uninstall.ps1"

Stops the service and unregisters it (`entra_pta_exporter.exe --service
uninstall`, which also removes its Event Log source), removes the firewall
rule install.ps1 -OpenFirewall created, and deletes -InstallDir. The
configuration and state in -ConfigDir stay unless -RemoveConfig is given
(they hold your settings and the cloud collector's sign-in).

.PARAMETER InstallDir
Default: $env:ProgramFiles\entra-pta-exporter.

.PARAMETER ConfigDir
Default: $env:ProgramData\entra-pta-exporter.

.PARAMETER RemoveConfig
Also delete -ConfigDir.
#>
[CmdletBinding()]
param(
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'entra-pta-exporter'),
    [string]$ConfigDir = (Join-Path $env:ProgramData 'entra-pta-exporter'),
    [switch]$RemoveConfig
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$ServiceName = 'entra_pta_exporter'
$ExeName = 'entra_pta_exporter.exe'
$FirewallRuleName = 'entra-pta-exporter-tcp-in'

$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($null -ne $service) {
    try {
        if ($service.Status -ne 'Stopped') {
            Write-Host "Stopping service $ServiceName"
            $service.Stop()
            $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
        }
    } finally {
        $service.Dispose()
    }
    $exe = Join-Path $InstallDir $ExeName
    if (Test-Path -LiteralPath $exe) {
        & $exe --service uninstall
        if ($LASTEXITCODE -ne 0) { throw "$ExeName --service uninstall failed ($LASTEXITCODE)" }
    } else {
        & sc.exe delete $ServiceName | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "sc.exe delete $ServiceName failed ($LASTEXITCODE)" }
    }
} else {
    Write-Host "Service $ServiceName is not installed"
}

if ($null -ne (Get-NetFirewallRule -Name $FirewallRuleName -ErrorAction SilentlyContinue)) {
    Write-Host "Removing firewall rule $FirewallRuleName"
    Remove-NetFirewallRule -Name $FirewallRuleName
}

if (Test-Path -LiteralPath $InstallDir) {
    # This script may itself live in InstallDir; PowerShell has read it
    # already, so deleting it is fine.
    Write-Host "Removing $InstallDir"
    Remove-Item -LiteralPath $InstallDir -Recurse -Force
}
if ($RemoveConfig -and (Test-Path -LiteralPath $ConfigDir)) {
    Write-Host "Removing $ConfigDir"
    Remove-Item -LiteralPath $ConfigDir -Recurse -Force
} elseif (Test-Path -LiteralPath $ConfigDir) {
    Write-Host "Keeping the configuration and state in $ConfigDir (-RemoveConfig deletes them)"
}
Write-Host "Uninstalled $ServiceName"
