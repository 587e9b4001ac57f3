global using System.Threading.Tasks;
