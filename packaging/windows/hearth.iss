; Inno Setup 6 script: Hearth's Windows installer (Start-menu entry, optional desktop icon,
; uninstaller). Build after `pyinstaller build.spec`:
;   iscc /DAppVersion=0.1.0 /DVariant=cpu packaging\windows\hearth.iss
; -> dist\Hearth-0.1.0-windows-x64-cpu-setup.exe   (Variant: cpu or cuda)
; Per-user install by default (no administrator prompt); the CPU and CUDA builds share one AppId,
; so installing one replaces the other. Uninstalling keeps the user's conversations
; (%LOCALAPPDATA%\Hearth).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef Variant
  #define Variant "cpu"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\hearth"
#endif

[Setup]
AppId={{6F1C2B9E-3D4A-4E57-9B1F-8C2E7A5D4B31}
AppName=Hearth
AppVersion={#AppVersion}
AppVerName=Hearth {#AppVersion}
AppPublisher=Hearth
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\Hearth
DefaultGroupName=Hearth
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=Hearth-{#AppVersion}-windows-x64-{#Variant}-setup
SetupIconFile=..\icons\hearth.ico
UninstallDisplayIcon={app}\hearth.exe
UninstallDisplayName=Hearth
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A new version (or the other variant) must not run with libraries left from the old one.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Hearth"; Filename: "{app}\hearth.exe"; WorkingDir: "{app}"
Name: "{autodesktop}\Hearth"; Filename: "{app}\hearth.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\hearth.exe"; Description: "{cm:LaunchProgram,Hearth}"; Flags: nowait postinstall skipifsilent
