package dev.lanyard.cli; public class Lanyard { public static void main(String[] a){} }
